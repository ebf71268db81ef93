import type { Redis } from 'ioredis';
import type { Logger } from '../log/logger.js';

/** d: keys deleted or overwritten; c: namespace cleared; t: tag invalidated. */
export type BusOp = 'd' | 'c' | 't';

export interface BusMessage {
  /** Sender instance: an instance ignores its own messages. */
  i: string;
  /** Namespace. */
  n: string;
  o: BusOp;
  k?: string[];
  g?: string;
}

export interface BusHandlers {
  message(message: BusMessage): void;
  /** The subscription was (re)established: messages may have been lost while it was down. */
  resync(): void;
}

/**
 * Cross-instance L1 invalidation over Redis pub/sub. Messages are published by the writers' own
 * Redis commands (in the same script as the write); this side only listens on its own connection.
 */
export class InvalidationBus {
  subscribed = false;
  private closed = false;

  constructor(
    private readonly subscriber: Redis,
    readonly channel: string,
    readonly instanceId: string,
    private readonly handlers: BusHandlers,
    private readonly logger: Logger,
  ) {
    subscriber.on('ready', () => this.subscribe());
    subscriber.on('close', () => {
      this.subscribed = false;
    });
    subscriber.on('error', () => {}); // the command connection logs Redis trouble
    subscriber.on('message', (channel: string, raw: string) => {
      if (channel === this.channel) this.receive(raw);
    });
  }

  encode(namespace: string, op: BusOp, keys?: string[], tag?: string): string {
    const message: BusMessage = { i: this.instanceId, n: namespace, o: op };
    if (keys !== undefined) message.k = keys;
    if (tag !== undefined) message.g = tag;
    return JSON.stringify(message);
  }

  close(): void {
    this.closed = true;
    this.subscribed = false;
  }

  private subscribe(): void {
    // Subscribed by hand on every connection (not ioredis' autoResubscribe) so that L1 is cleared only
    // once the subscription is confirmed: nothing published after that point can be missed.
    this.subscriber.subscribe(this.channel).then(
      () => {
        if (this.closed) return;
        this.subscribed = true;
        this.handlers.resync();
      },
      (error: unknown) => {
        this.logger.debug(
          { err: error instanceof Error ? error.message : 'error' },
          'cache: bus subscribe failed',
        );
      },
    );
  }

  private receive(raw: string): void {
    let message: BusMessage;
    try {
      message = JSON.parse(raw) as BusMessage;
    } catch {
      return;
    }
    if (message.i === this.instanceId || typeof message.n !== 'string') return;
    this.handlers.message(message);
  }
}
