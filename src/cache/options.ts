import { FlowfullConfigError } from '../errors.js';
import { type Codec, jsonCodec, serializerCodec } from './codec.js';
import { CACHE_DEFAULTS } from './defaults.js';
import type { CacheOptions, CacheRuntimeOptions, GetOrSetOptions } from './types.js';

/**
 * Option checks of the runtime, of each cache and of each call. A mistake throws FlowfullConfigError
 * naming the option and what is expected, when the runtime or the cache is built (or, for per-call
 * options, before anything is stored or loaded).
 */

const NAME = /^[A-Za-z0-9_.-]{1,100}$/;
const PREFIX = /^[A-Za-z0-9_.:-]{1,100}$/;

function invalid(option: string, expected: string, got: unknown): FlowfullConfigError {
  const shown = typeof got === 'string' ? JSON.stringify(got) : String(got);
  return new FlowfullConfigError(`cache: ${option} must be ${expected} (got ${shown})`);
}

/** Seconds as whole milliseconds (at least 1); a TTL must be a positive, finite number. */
export function secondsToMs(seconds: number, option: string): number {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) {
    throw invalid(option, 'a positive number of seconds', seconds);
  }
  return Math.max(1, Math.round(seconds * 1000));
}

function integer(value: number | undefined, fallback: number, option: string, min = 1): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min) throw invalid(option, `an integer >= ${min}`, v);
  return v;
}

function boolean(value: boolean | undefined, fallback: boolean, option: string): boolean {
  const v = value ?? fallback;
  if (typeof v !== 'boolean') throw invalid(option, 'true or false', v);
  return v;
}

export interface RuntimeSettings {
  enabled: boolean;
  prefix: string;
  defaultTtlMs: number;
  l1MaxEntries: number;
  l1MaxBytes: number;
  l2TimeoutMs: number;
  breakerThreshold: number;
  breakerCooldownMs: number;
  busEnabled: boolean;
}

export function resolveRuntimeOptions(options: CacheRuntimeOptions): RuntimeSettings {
  const prefix = options.prefix ?? CACHE_DEFAULTS.prefix;
  if (typeof prefix !== 'string' || !PREFIX.test(prefix)) {
    throw invalid('prefix', '1-100 characters of letters, digits, "_", "-", "." or ":"', prefix);
  }
  const d = CACHE_DEFAULTS;
  return {
    enabled: boolean(options.enabled, d.enabled, 'enabled'),
    prefix,
    defaultTtlMs: secondsToMs(options.defaultTtl ?? d.defaultTtl, 'defaultTtl'),
    l1MaxEntries: integer(options.l1MaxEntries, d.l1MaxEntries, 'l1MaxEntries'),
    l1MaxBytes: integer(options.l1MaxBytes, d.l1MaxBytes, 'l1MaxBytes', 0),
    l2TimeoutMs: integer(options.l2TimeoutMs, d.l2TimeoutMs, 'l2TimeoutMs'),
    breakerThreshold: integer(options.breakerThreshold, d.breakerThreshold, 'breakerThreshold'),
    breakerCooldownMs: integer(options.breakerCooldownMs, d.breakerCooldownMs, 'breakerCooldownMs'),
    busEnabled: boolean(options.busEnabled, d.busEnabled, 'busEnabled'),
  };
}

export interface ResolvedCacheOptions {
  namespace: string;
  ttlMs: number;
  maxEntries: number;
  maxBytes: number;
  l2First: boolean;
  jitter: number;
  codec: Codec;
  clone: boolean;
}

export function resolveCacheOptions(options: CacheOptions, settings: RuntimeSettings): ResolvedCacheOptions {
  if (typeof options.namespace !== 'string' || !NAME.test(options.namespace)) {
    throw invalid('namespace', '1-100 characters of letters, digits, "_", "-" or "."', options.namespace);
  }
  const jitter = options.jitter ?? 0;
  if (typeof jitter !== 'number' || !(jitter >= 0 && jitter <= 1)) {
    throw invalid('jitter', 'a number between 0 and 1', jitter);
  }
  const serializer = options.serializer;
  if (
    serializer !== undefined &&
    (typeof serializer?.serialize !== 'function' || typeof serializer.deserialize !== 'function')
  ) {
    throw invalid('serializer', 'an object with serialize() and deserialize()', serializer);
  }
  return {
    namespace: options.namespace,
    ttlMs: options.ttl === undefined ? settings.defaultTtlMs : secondsToMs(options.ttl, 'ttl'),
    maxEntries: integer(options.maxEntries, settings.l1MaxEntries, 'maxEntries'),
    maxBytes: integer(options.maxBytes, settings.l1MaxBytes, 'maxBytes', 0),
    l2First: boolean(options.l2First, false, 'l2First'),
    jitter,
    codec: serializer ? serializerCodec(serializer) : jsonCodec,
    clone: boolean(options.cloneOnL1, false, 'cloneOnL1'),
  };
}

/** Checked before the loader runs, so that a bad option never surfaces after a successful load. */
export function checkGetOrSetOptions(options: GetOrSetOptions): void {
  if (options.ttl !== undefined) secondsToMs(options.ttl, 'ttl');
  if (options.failSafe !== undefined)
    secondsToMs(options.failSafe.maxStaleSeconds, 'failSafe.maxStaleSeconds');
  const soft = options.softTimeoutMs;
  if (soft !== undefined && !(typeof soft === 'number' && soft >= 0 && Number.isFinite(soft))) {
    throw invalid('softTimeoutMs', 'a number of ms >= 0', soft);
  }
}

/** A value that setIfAbsent cannot store. */
export function checkStorable(value: unknown, operation: string): void {
  if (value === undefined) throw invalid(`${operation} value`, 'defined (use delete to remove a key)', value);
}
