/**
 * The tag system. In Redis a tag is a set of the data keys carrying it (`<prefix>:<ns>:t:<tag>`, kept by
 * the write scripts, emptied by INVALIDATE_TAG); in each instance this index maps a tag to the L1 keys
 * carrying it, so that an invalidation (local, or announced on the bus) evicts them without a scan.
 */
export class TagIndex {
  private readonly keysByTag = new Map<string, Set<string>>();

  add(key: string, tags: string[]): void {
    for (const tag of tags) {
      let keys = this.keysByTag.get(tag);
      if (keys === undefined) {
        keys = new Set();
        this.keysByTag.set(tag, keys);
      }
      keys.add(key);
    }
  }

  /** The entry of key left L1 (evicted, replaced, deleted). */
  remove(key: string, tags: string[]): void {
    for (const tag of tags) {
      const keys = this.keysByTag.get(tag);
      if (keys === undefined) continue;
      keys.delete(key);
      if (keys.size === 0) this.keysByTag.delete(tag);
    }
  }

  /** A copy: evicting the keys changes the index. */
  keysOf(tag: string): string[] {
    const keys = this.keysByTag.get(tag);
    return keys === undefined ? [] : [...keys];
  }

  clear(): void {
    this.keysByTag.clear();
  }
}

/** Redis key names of one cache: data keys and tag sets under `<prefix>:<namespace>:`. */
export class RedisKeys {
  readonly namespacePrefix: string;
  private readonly dataPrefix: string;
  private readonly tagPrefix: string;

  constructor(prefix: string, namespace: string) {
    this.namespacePrefix = `${prefix}:${namespace}:`;
    this.dataPrefix = `${this.namespacePrefix}v:`;
    this.tagPrefix = `${this.namespacePrefix}t:`;
  }

  data(key: string): string {
    return this.dataPrefix + key;
  }

  tag(tag: string): string {
    return this.tagPrefix + tag;
  }

  tags(tags: string[] | undefined): string[] {
    return tags === undefined ? [] : tags.map((tag) => this.tagPrefix + tag);
  }
}
