import type { CacheRuntime } from '../cache/index.js';
import { httpUrlProblem, withoutTrailingSlash } from '../config/fields.js';
import { FlowfullConfigError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { Clock } from '../resilience/index.js';
import { VALIDATOR_DEFAULTS } from './defaults.js';
import type { SessionTransport } from './flowless-client.js';
import { MAX_SESSION_ID_LENGTH, type ResolvedExtraction } from './session-id.js';
import type { Session } from './types.js';

/** Every tunable has its default in VALIDATOR_DEFAULTS (src/auth/defaults.ts), documented there. */
export interface BridgeValidatorOptions {
  /** Base URL of Flowless, e.g. https://flowless.example.com (FLOWLESS_API_URL). */
  flowlessApiUrl: string;
  /** BRIDGE_VALIDATION_SECRET, sent as X-Bridge-Secret. */
  validationSecret: string;
  /** HybridCache runtime: sessions are shared through Redis and evicted everywhere through its bus. */
  cache: CacheRuntime;
  /** Per-attempt timeout in ms (FLOWLESS_TIMEOUT_MS). */
  timeout?: number;
  /** Extra attempts while Flowless is unavailable (FLOWLESS_RETRY_ATTEMPTS). */
  retryAttempts?: number;
  /** All attempts together, ms (FLOWLESS_DEADLINE_MS). */
  deadlineMs?: number;
  /** BRIDGE_SESSION_TRANSPORT: 'body' (JSON body + X-Session-ID header) or 'query'. */
  sessionTransport?: SessionTransport;
  /** BRIDGE_LEGACY_BODY_SECRET: also send `bridge_secret` in the body. */
  legacyBodySecret?: boolean;
  /** Seconds a validated session is cached (BRIDGE_CACHE_TTL). */
  cacheTtl?: number;
  /** Seconds an invalid id is remembered (BRIDGE_NEGATIVE_TTL); 0 turns the negative cache off. */
  negativeTtl?: number;
  /** Bound of the negative cache (BRIDGE_NEGATIVE_MAX_ENTRIES). */
  negativeMaxEntries?: number;
  /** Seconds past cache expiry a session is still accepted while Flowless is unavailable; 0 fails closed. */
  staleIfError?: number;
  /**
   * Seconds after its last confirmation by Flowless a cached session is checked again, in the
   * background while it is still served (BRIDGE_REVALIDATE_AFTER); 0 turns it off.
   */
  revalidateAfter?: number;
  breakerThreshold?: number;
  breakerCooldownMs?: number;
  /** Namespace of the session cache. */
  namespace?: string;
  /** L1 bound of the session cache; default the runtime's. */
  maxEntries?: number;
  /** Bound of the hot layer (BRIDGE_HOT_MAX_ENTRIES); default maxEntries, else VALIDATOR_DEFAULTS.hotMaxEntries. */
  hotMaxEntries?: number;
  logger?: Logger;
  /** Called after every confirmation by Flowless (not on cache hits): user sync hooks in here. */
  onValidated?: (session: Session) => void;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  maxSessionIdLength?: number;
  /**
   * The configured session-id policy (alphabet and bounds, AUTH_SESSION_ID_*): ids outside it are refused
   * without a Flowless call. createAuth passes its extraction policy; unset, `maxSessionIdLength` and the
   * protocol's characters apply.
   */
  sessionIdPolicy?: ResolvedExtraction;
  /**
   * Milliseconds a session this instance has just validated is answered synchronously by validate(),
   * without the cache's promise round trip. Revocations from other instances reach this layer only
   * when the entry ages out, so keep it well under a second. 0 turns it off.
   */
  hotTtlMs?: number;
  /** Time for expiry checks, the hot set, the negative cache and the breaker. Default the system clock. */
  clock?: Clock;
}

export type ResolvedValidatorOptions = Required<
  Omit<BridgeValidatorOptions, 'logger' | 'onValidated' | 'maxEntries' | 'clock' | 'sessionIdPolicy'>
> &
  Pick<BridgeValidatorOptions, 'logger' | 'onValidated' | 'maxEntries' | 'clock' | 'sessionIdPolicy'>;

type Numeric = {
  [K in keyof BridgeValidatorOptions]-?: NonNullable<BridgeValidatorOptions[K]> extends number ? K : never;
}[keyof BridgeValidatorOptions];

/** Least value of each numeric option. */
const MINIMUM: Record<Exclude<Numeric, 'maxEntries'>, number> = {
  timeout: 1,
  retryAttempts: 0,
  deadlineMs: 1,
  cacheTtl: 1,
  negativeTtl: 0,
  negativeMaxEntries: 1,
  staleIfError: 0,
  revalidateAfter: 0,
  breakerThreshold: 1,
  breakerCooldownMs: 0,
  backoffBaseMs: 0,
  backoffMaxMs: 0,
  maxSessionIdLength: 1,
  hotTtlMs: 0,
  hotMaxEntries: 1,
};

function fail(option: string, expected: string): never {
  throw new FlowfullConfigError(`BridgeValidator: ${option} ${expected}`);
}

/** Defaults filled in and every option checked: a mistake throws here, never at the first request. */
export function resolveValidatorOptions(options: BridgeValidatorOptions): ResolvedValidatorOptions {
  if (typeof options !== 'object' || options === null) fail('options', 'must be an object');
  if (typeof options.validationSecret !== 'string' || options.validationSecret === '') {
    fail('validationSecret', 'is required (BRIDGE_VALIDATION_SECRET)');
  }
  if (typeof options.flowlessApiUrl !== 'string') fail('flowlessApiUrl', 'is required (FLOWLESS_API_URL)');
  const problem = httpUrlProblem(options.flowlessApiUrl);
  if (problem !== undefined) fail('flowlessApiUrl', problem);
  if (typeof options.cache?.createCache !== 'function') fail('cache', 'must be a cache runtime');
  if (
    options.maxEntries !== undefined &&
    !(Number.isSafeInteger(options.maxEntries) && options.maxEntries >= 1)
  ) {
    fail('maxEntries', `must be a whole number >= 1 (got ${String(options.maxEntries)})`);
  }
  const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  const resolved = {
    ...VALIDATOR_DEFAULTS,
    maxSessionIdLength: MAX_SESSION_ID_LENGTH,
    ...defined,
    hotMaxEntries: options.hotMaxEntries ?? options.maxEntries ?? VALIDATOR_DEFAULTS.hotMaxEntries,
    flowlessApiUrl: withoutTrailingSlash(options.flowlessApiUrl),
  } as unknown as ResolvedValidatorOptions;
  for (const [name, min] of Object.entries(MINIMUM)) {
    const value = resolved[name as keyof typeof MINIMUM];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
      fail(name, `must be a whole number >= ${min} (got ${String(value)})`);
    }
  }
  if (resolved.sessionTransport !== 'body' && resolved.sessionTransport !== 'query') {
    fail('sessionTransport', "must be 'body' or 'query'");
  }
  if (typeof resolved.namespace !== 'string' || resolved.namespace === '')
    fail('namespace', 'must be a non-empty string');
  return resolved;
}
