import type { Redis } from 'ioredis';
import type { Logger } from '../log/logger.js';

/**
 * One invalidation, as published on `<prefix>:cache-bus` and read by every other instance. This is a
 * wire format between instances: every instance of one deployment must run the same version of it.
 */
export type BusMessage =
  | { instance: string; namespace: string; op: 'delete'; keys: string[] }
  | { instance: string; namespace: string; op: 'tag'; tag: string }
  | { instance: string; namespace: string; op: 'clear' };

/** A message without its sender, as a cache asks for one. */
export type BusEvent = { op: 'delete'; keys: string[] } | { op: 'tag'; tag: string } | { op: 'clear' };

export interface BusHandlers {
  message(message: BusMessage): void;
  /** The subscription was (re)established: messages may have been lost while it was down. */
  resync(): void;
}

function isBusMessage(value: unknown): value is BusMessage {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Record<string, unknown>;
  if (typeof m.instance !== 'string' || typeof m.namespace !== 'string') return false;
  if (m.op === 'delete') return Array.isArray(m.keys) && m.keys.every((k) => typeof k === 'string');
  if (m.op === 'tag') return typeof m.tag === 'string';
  return m.op === 'clear';
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

  /** The text to publish for an event of a namespace, sent by this instance. */
  encode(namespace: string, event: BusEvent): string {
    return JSON.stringify({ instance: this.instanceId, namespace, ...event });
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
    let message: unknown;
    try {
      message = JSON.parse(raw);
    } catch {
      return;
    }
    if (!isBusMessage(message) || message.instance === this.instanceId) return;
    this.handlers.message(message);
  }
}
