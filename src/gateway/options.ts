import type { Context, MiddlewareHandler } from 'hono';
import { FlowfullConfigError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { BreakerOptions, CircuitBreaker } from '../resilience/index.js';
import { GATEWAY_DEFAULTS } from './defaults.js';
import { DEFAULT_EFFECT_RULES, DEFAULT_RATE_LIMITED, type EffectHooks, type EffectRule } from './effects.js';
import type { UpstreamFetch } from './upstream.js';

export interface GatewayCookieOptions {
  /** Domain set on cookies from Flowless. @default undefined (Domain dropped: host-only on Flowfull's origin) */
  domain?: string;
  /** true adds Secure, false drops it, 'keep' leaves Flowless's choice. @default production ? true : 'keep' */
  secure?: boolean | 'keep';
}

export interface AuthGatewayOptions extends EffectHooks {
  /** FLOWLESS_API_URL: the one host requests go to. Its path, if any, is kept as a base. */
  upstreamUrl: string;
  /** Where Flowfull serves the gateway. @default '/auth' */
  prefix?: string;
  /** Where Flowless serves its auth routes; `{prefix}/x` goes to `{upstreamUrl}{upstreamPrefix}/x`. @default '/auth' */
  upstreamPrefix?: string;
  /** FLOWLESS_TIMEOUT_MS: bound on one forwarded call, answer body included. @default 1500 */
  timeoutMs?: number;
  /** BODY_LIMIT_BYTES: bound on a forwarded request body. @default 1048576 */
  bodyLimitBytes?: number;
  /** Methods forwarded; others answer 405. @default GET HEAD POST PUT PATCH DELETE */
  methods?: readonly string[];
  /**
   * The client's address as computed under TRUST_PROXY (createClientIpResolver(config.TRUST_PROXY) from
   * src/auth/binding/client-ip.ts). It is sent to Flowless as X-Forwarded-For. @default the socket peer
   */
  clientIp?: (c: Context) => string;
  /** The session id a request carries (the auth service's sessionIdOf: one-credential rules apply). */
  sessionIdOf?: (c: Context) => string | undefined;
  /** NODE_ENV === 'production': cookies get Secure. @default false */
  production?: boolean;
  cookie?: GatewayCookieOptions;
  /**
   * Seam for rate limiting: runs before forwarding requests whose path after the prefix matches
   * `rateLimitedPaths` (login, register, password reset by default). It may answer (429) or call next().
   */
  rateLimit?: MiddlewareHandler;
  /** @default /^\/(login|register(\/public)?|password-reset\/[^/]+)\/?$/ */
  rateLimitedPaths?: RegExp;
  /** Which calls have cache side effects. @default DEFAULT_EFFECT_RULES */
  effects?: readonly EffectRule[];
  /** A breaker shared with other Flowless callers, or options for the gateway's own. */
  breaker?: CircuitBreaker | BreakerOptions;
  logger?: Logger;
  /** The HTTP client towards Flowless. @default node:http(s) with keep-alive (createUpstreamClient) */
  upstream?: UpstreamFetch;
}

export { GATEWAY_DEFAULTS };

/** Always refused, whatever the options: the bridge routes belong to backends holding the secret. */
export const BLOCKED_AREAS = ['/bridge'] as const;

export interface ResolvedGatewayOptions {
  upstreamBase: string;
  prefix: string;
  upstreamPrefix: string;
  timeoutMs: number;
  bodyLimitBytes: number;
  methods: Set<string>;
  cookie: { domain?: string; secure: boolean | 'keep' };
  rateLimitedPaths: RegExp;
  effects: readonly EffectRule[];
}

function fail(option: string, expected: string, got: unknown): never {
  throw new FlowfullConfigError(`createAuthGateway: ${option} ${expected} (got ${JSON.stringify(got)})`);
}

function checkPrefix(option: string, value: string): string {
  if (typeof value !== 'string' || !/^(\/[A-Za-z0-9_.~-]+)+$/.test(value) || /\/\.\.?(\/|$)/.test(value))
    fail(option, "must be a path such as '/auth' (no trailing slash, no dot segments)", value);
  return value;
}

function checkUpstream(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return fail('upstreamUrl', 'must be an absolute http(s) URL', raw);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail('upstreamUrl', 'must be http(s)', raw);
  if (url.search || url.hash || url.username || url.password)
    fail('upstreamUrl', 'must not carry a query, fragment or credentials', url.origin);
  return url.origin + url.pathname.replace(/\/+$/, '');
}

function positiveInt(option: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) fail(option, 'must be an integer >= 1', value);
  return value;
}

export function resolveGatewayOptions(options: AuthGatewayOptions): ResolvedGatewayOptions {
  if (options === null || typeof options !== 'object') fail('options', 'must be an object', options);
  const secure = options.cookie?.secure ?? (options.production ? true : 'keep');
  if (secure !== true && secure !== false && secure !== 'keep')
    fail('cookie.secure', "must be true, false or 'keep'", secure);
  const domain = options.cookie?.domain;
  if (domain !== undefined && !/^\.?[A-Za-z0-9.-]+$/.test(domain))
    fail('cookie.domain', 'must be a host name', domain);
  const methods = (options.methods ?? GATEWAY_DEFAULTS.methods).map((m) => String(m).toUpperCase());
  if (methods.length === 0 || methods.some((m) => !/^[A-Z]+$/.test(m) || m === 'CONNECT' || m === 'TRACE'))
    fail(
      'methods',
      'must be a non-empty list of HTTP methods (CONNECT and TRACE are never forwarded)',
      methods,
    );
  for (const hook of ['onSessionEnded', 'onSessionChanged', 'clientIp', 'sessionIdOf', 'rateLimit'] as const)
    if (options[hook] !== undefined && typeof options[hook] !== 'function')
      fail(hook, 'must be a function', typeof options[hook]);
  return {
    upstreamBase: checkUpstream(options.upstreamUrl),
    prefix: checkPrefix('prefix', options.prefix ?? GATEWAY_DEFAULTS.prefix),
    upstreamPrefix: checkPrefix('upstreamPrefix', options.upstreamPrefix ?? GATEWAY_DEFAULTS.upstreamPrefix),
    timeoutMs: positiveInt('timeoutMs', options.timeoutMs ?? GATEWAY_DEFAULTS.timeoutMs),
    bodyLimitBytes: positiveInt('bodyLimitBytes', options.bodyLimitBytes ?? GATEWAY_DEFAULTS.bodyLimitBytes),
    methods: new Set(methods),
    cookie: { secure, ...(domain !== undefined ? { domain } : {}) },
    rateLimitedPaths: options.rateLimitedPaths ?? DEFAULT_RATE_LIMITED,
    effects: options.effects ?? DEFAULT_EFFECT_RULES,
  };
}
