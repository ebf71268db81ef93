import type { BusEvent, InvalidationBus } from './bus.js';
import type { CacheEntry } from './entry.js';
import { type FailureSink, L2_FAILED, type L2Link, type L2Result } from './l2.js';
import { DELETE_KEYS, INVALIDATE_TAG, runScript, SET_ENTRY, SET_IF_ABSENT } from './scripts.js';
import type { RedisKeys } from './tags.js';

const SCAN_COUNT = 1000;

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

/**
 * L2: one cache's view of Redis through the runtime's shared link. Every write that other instances
 * must hear about publishes its bus message from inside the same script, so a write and its
 * invalidation are one round trip and cannot be separated. Nothing here rejects: a command skipped,
 * failed or past its deadline answers L2_FAILED (or false).
 */
export class RemoteCache {
  constructor(
    private readonly link: L2Link,
    private readonly keys: RedisKeys,
    private readonly namespace: string,
    private readonly bus: InvalidationBus | undefined,
    private readonly failures: FailureSink,
  ) {}

  usable(): boolean {
    return this.link.usable();
  }

  /** The raw envelope, null when Redis has none. */
  read(key: string): Promise<L2Result<string | null>> {
    const rkey = this.keys.data(key);
    return this.link.run(this.failures, (redis) => redis.get(rkey));
  }

  /** publish: tell other instances to drop their copy. PX is the time left to the end of staleUntil. */
  async write(
    key: string,
    envelope: string,
    entry: CacheEntry,
    now: number,
    publish: boolean,
  ): Promise<boolean> {
    const rkey = this.keys.data(key);
    const pttl = Math.max(1, entry.staleUntil - now);
    const message = publish ? this.message({ op: 'delete', keys: [key] }) : '';
    const result =
      entry.tags === undefined && message === ''
        ? await this.link.run(this.failures, (redis) => redis.set(rkey, envelope, 'PX', pttl))
        : await this.link.run(this.failures, (redis) =>
            runScript(
              redis,
              SET_ENTRY,
              [rkey, ...this.keys.tags(entry.tags)],
              [envelope, pttl, this.channel, message],
            ),
          );
    return result !== L2_FAILED;
  }

  /**
   * Stores ours unless a live value is there, atomically. Resolves null when ours was stored, the
   * envelope already there otherwise, L2_FAILED when Redis could not decide.
   */
  async setIfAbsent(
    key: string,
    envelope: string,
    entry: CacheEntry,
    now: number,
  ): Promise<L2Result<string | null>> {
    const keys = [this.keys.data(key), ...this.keys.tags(entry.tags)];
    const message = this.message({ op: 'delete', keys: [key] });
    const args = [envelope, Math.max(1, entry.staleUntil - now), this.channel, message, now];
    const result = await this.link.run(this.failures, (redis) => runScript(redis, SET_IF_ABSENT, keys, args));
    if (result === L2_FAILED) return L2_FAILED;
    return typeof result === 'string' ? result : null;
  }

  async delete(keys: string[]): Promise<boolean> {
    const message = this.message({ op: 'delete', keys });
    const rkeys = keys.map((key) => this.keys.data(key));
    const result = await this.link.run(this.failures, (redis) =>
      runScript(redis, DELETE_KEYS, rkeys, [this.channel, message]),
    );
    return result !== L2_FAILED;
  }

  async invalidateTag(tag: string): Promise<boolean> {
    const message = this.message({ op: 'tag', tag });
    const result = await this.link.run(this.failures, (redis) =>
      runScript(redis, INVALIDATE_TAG, [this.keys.tag(tag)], [this.channel, message]),
    );
    return result !== L2_FAILED;
  }

  /** SCAN (never KEYS) over this namespace, UNLINK in batches, then one bus message. */
  async clear(): Promise<boolean> {
    const pattern = `${escapeGlob(this.keys.namespacePrefix)}*`;
    let cursor = '0';
    do {
      const page = await this.link.run(this.failures, (redis) =>
        redis.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT),
      );
      if (page === L2_FAILED) return false;
      const [next, found] = page;
      if (found.length > 0) {
        const unlinked = await this.link.run(this.failures, (redis) => redis.unlink(...found));
        if (unlinked === L2_FAILED) return false;
      }
      cursor = next;
    } while (cursor !== '0');
    if (this.bus === undefined) return true;
    const message = this.message({ op: 'clear' });
    const channel = this.channel;
    return (await this.link.run(this.failures, (redis) => redis.publish(channel, message))) !== L2_FAILED;
  }

  private get channel(): string {
    return this.bus?.channel ?? '';
  }

  /** '' without a bus: the scripts then publish nothing. */
  private message(event: BusEvent): string {
    return this.bus === undefined ? '' : this.bus.encode(this.namespace, event);
  }
}
