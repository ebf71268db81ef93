import { setTimeout as sleep } from 'node:timers/promises';
import type { CircuitBreaker, Clock } from '../resilience/index.js';
import { VALIDATOR_DEFAULTS } from './defaults.js';
import type { ValidatorCounters } from './metrics.js';
import { type FailureKind, interpretBridgeAnswer, RETRYABLE, type Verdict } from './normalize.js';

/** What the client's request tells Flowless about itself (bridge body fields). */
export interface RequestFacts {
  ip?: string;
  userAgent?: string;
  deviceId?: string;
}

export type SessionTransport = 'body' | 'query';

export interface FlowlessClientOptions {
  /** Base URL, no trailing slash. */
  baseUrl: string;
  secret: string;
  /** Per attempt. */
  timeoutMs: number;
  /** Extra attempts after the first, only when Flowless is unavailable. */
  retryAttempts: number;
  /** All attempts and backoff waits together. */
  deadlineMs: number;
  transport: SessionTransport;
  legacyBodySecret: boolean;
  breaker: CircuitBreaker;
  counters: ValidatorCounters;
  /** Reads the time an answer's expiry is compared with. */
  clock: Clock;
  /** First backoff ceiling; doubles per retry up to backoffMaxMs. @default VALIDATOR_DEFAULTS */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
}

type Unavailable = Extract<Verdict, { kind: 'unavailable' }>;

interface Answer {
  status: number;
  body: string;
  retryAfter: string | null;
}

/** Below this, an attempt cannot get an answer anyway: the deadline is spent. */
const MIN_ATTEMPT_MS = 50;

export type LogoutResult = { kind: 'ended' } | Unavailable;

/**
 * HTTP to Flowless: the bridge validation call and logout, each retried only while Flowless is
 * unavailable, with full-jitter backoff, inside one deadline, behind the circuit breaker. Nothing here
 * logs: the URL (query transport) and the headers carry the session id and the secret.
 */
export class FlowlessClient {
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;

  // A true private field: the secret stays out of util.inspect() and any accidental dump.
  readonly #options: FlowlessClientOptions;

  constructor(options: FlowlessClientOptions) {
    this.#options = options;
    this.backoffBaseMs = options.backoffBaseMs ?? VALIDATOR_DEFAULTS.backoffBaseMs;
    this.backoffMaxMs = options.backoffMaxMs ?? VALIDATOR_DEFAULTS.backoffMaxMs;
  }

  toJSON(): Record<string, unknown> {
    return { flowless: 'FlowlessClient' };
  }

  validate(sessionId: string, facts: RequestFacts): Promise<Verdict> {
    const { url, init } = this.validateRequest(sessionId, facts);
    return this.withRetries<Verdict>(async (timeoutMs) => {
      this.#options.counters.upstreamCalls++;
      const started = performance.now();
      const answer = await this.send(url, init, timeoutMs);
      this.#options.counters.latency.record(performance.now() - started);
      if (typeof answer === 'string') return { kind: 'unavailable', failure: answer };
      return interpretBridgeAnswer(answer.status, answer.body, answer.retryAfter, this.#options.clock.now());
    });
  }

  /** POST /auth/logout. A 401/404 means the session is already over, which is what was asked. */
  logout(sessionId: string): Promise<LogoutResult> {
    const init: RequestInit = {
      method: 'POST',
      headers: {
        accept: 'application/json',
        'x-session-id': sessionId,
        'x-bridge-secret': this.#options.secret,
      },
    };
    const url = `${this.#options.baseUrl}/auth/logout`;
    return this.withRetries<LogoutResult>(async (timeoutMs) => {
      const answer = await this.send(url, init, timeoutMs);
      if (typeof answer === 'string') return { kind: 'unavailable', failure: answer };
      if ((answer.status >= 200 && answer.status < 300) || answer.status === 401 || answer.status === 404) {
        return { kind: 'ended' };
      }
      if (answer.status === 429) return { kind: 'unavailable', failure: 'http_429' };
      return { kind: 'unavailable', failure: answer.status >= 500 ? 'http_5xx' : 'protocol' };
    });
  }

  /** GET /health, one attempt, outside the breaker (readiness must see recovery even while it is open). */
  async probe(timeoutMs: number): Promise<boolean> {
    const answer = await this.send(`${this.#options.baseUrl}/health`, { method: 'GET' }, timeoutMs);
    return typeof answer !== 'string' && answer.status >= 200 && answer.status < 300;
  }

  private validateRequest(sessionId: string, facts: RequestFacts): { url: string; init: RequestInit } {
    const { baseUrl, secret, transport, legacyBodySecret } = this.#options;
    const body: Record<string, unknown> = { source: 'flowfull' };
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json',
      'x-bridge-secret': secret,
    };
    let url = `${baseUrl}/auth/bridge/validate`;
    if (transport === 'query') {
      url += `?session_id=${encodeURIComponent(sessionId)}`;
      body.timestamp = new Date().toISOString();
    } else {
      body.session_id = sessionId;
      headers['x-session-id'] = sessionId;
    }
    // Both spellings of the address: deployments read either `ip` or `ip_address`.
    if (facts.ip) {
      body.ip = facts.ip;
      body.ip_address = facts.ip;
    }
    if (facts.userAgent) body.user_agent = facts.userAgent;
    if (facts.deviceId) body.device_id = facts.deviceId;
    if (legacyBodySecret) body.bridge_secret = secret;
    return { url, init: { method: 'POST', headers, body: JSON.stringify(body) } };
  }

  private async withRetries<R extends { kind: string }>(
    attempt: (timeoutMs: number) => Promise<R | Unavailable>,
  ): Promise<R | Unavailable> {
    const { breaker, counters, retryAttempts, deadlineMs, timeoutMs } = this.#options;
    const deadline = performance.now() + deadlineMs;
    let last: Unavailable = { kind: 'unavailable', failure: 'breaker_open' };
    for (let n = 0; n <= retryAttempts; n++) {
      if (n > 0) {
        const wait = this.backoff(n, last.retryAfter);
        if (performance.now() + wait + MIN_ATTEMPT_MS > deadline) break;
        await sleep(wait);
      }
      if (!breaker.allow()) {
        counters.failures.breaker_open++;
        return { kind: 'unavailable', failure: 'breaker_open' };
      }
      const remaining = deadline - performance.now();
      const result = await attempt(Math.max(1, Math.min(timeoutMs, remaining)));
      if (result.kind !== 'unavailable') {
        breaker.success();
        return result;
      }
      const failed = result as Unavailable;
      counters.failures[failed.failure]++;
      breaker.failure();
      last = failed;
      if (!RETRYABLE.has(failed.failure)) break;
    }
    return last;
  }

  private backoff(retry: number, retryAfterSeconds: number | undefined): number {
    const ceiling = Math.min(this.backoffMaxMs, this.backoffBaseMs * 2 ** (retry - 1));
    const jittered = Math.random() * ceiling;
    return retryAfterSeconds === undefined ? jittered : Math.max(jittered, retryAfterSeconds * 1000);
  }

  /** One HTTP exchange, body included, under one timeout. Redirects are not followed: they would carry the secret elsewhere. */
  private async send(url: string, init: RequestInit, timeoutMs: number): Promise<Answer | FailureKind> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      const res = await fetch(url, { ...init, redirect: 'manual', signal: controller.signal });
      const body = await res.text();
      return { status: res.status, body, retryAfter: res.headers.get('retry-after') };
    } catch {
      return controller.signal.aborted ? 'timeout' : 'connection';
    } finally {
      clearTimeout(timer);
    }
  }
}
