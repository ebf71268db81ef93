import type { Context } from 'hono';
import { Hono } from 'hono';
import { currentClientIp } from '../auth/binding/client-ip.js';
import { AUTH_MESSAGES } from '../auth/errors.js';
import { extractSessionId, resolveExtraction } from '../auth/session-id.js';
import { AppError } from '../errors.js';
import { sendError } from '../http/errors.js';
import { type Logger, silentLogger } from '../log/logger.js';
import { CircuitBreaker } from '../resilience/index.js';
import { applyEffect, type EffectKind, findEffect, needsBody } from './effects.js';
import { clientResponseHeaders, upstreamRequestHeaders } from './headers.js';
import { GatewayCounters } from './metrics.js';
import { type AuthGatewayOptions, BLOCKED_AREAS, resolveGatewayOptions } from './options.js';
import { classifyPath, isForwardableQuery, rawPathOf } from './path.js';
import { createUpstreamClient, type UpstreamFetch } from './upstream.js';

/** Answers read for a side effect are small JSON; anything larger is passed on unread. */
const MAX_EFFECT_BODY = 256 * 1024;
const DEFAULT_RETRY_AFTER_S = 2;

interface NodeEnv {
  incoming?: { url?: string };
  outgoing?: { once(event: 'close', listener: () => void): unknown; writableFinished?: boolean };
}

/**
 * Aborts the upstream call when the time is up or the client goes away. Under @hono/node-server the
 * client's departure is read from the Node response ('close'), because touching `c.req.raw.signal`
 * makes the adapter build a full fetch Request for every call, which costs more than the forwarding.
 */
function callSignal(
  c: Context,
  timeoutMs: number,
): { signal: AbortSignal; clientGone: () => boolean; done: () => void } {
  const controller = new AbortController();
  let gone = false;
  const timer = setTimeout(() => controller.abort(new Error('gateway timeout')), timeoutMs);
  // Outside Node's server (app.request()) nothing clears it once the answer has streamed out.
  timer.unref();
  const outgoing = (c.env as NodeEnv | undefined)?.outgoing;
  const leave = () => {
    clearTimeout(timer);
    if (!controller.signal.aborted) {
      gone = true;
      controller.abort(new Error('client went away'));
    }
  };
  if (outgoing !== undefined) outgoing.once('close', leave);
  else if (c.req.raw.signal.aborted) leave();
  else c.req.raw.signal.addEventListener('abort', leave, { once: true });
  return { signal: controller.signal, clientGone: () => gone, done: () => clearTimeout(timer) };
}

export interface AuthGateway {
  /** Mount with `app.route('/', gateway.app)`: it holds the routes under the prefix only. */
  app: Hono;
  breaker: CircuitBreaker;
  counters: GatewayCounters;
  /** Closes idle connections to Flowless (graceful shutdown). */
  close(): void;
}

/** The request target as the client sent it: Node's raw target when served by @hono/node-server. */
function requestTarget(c: Context): string {
  const raw = (c.env as NodeEnv | undefined)?.incoming?.url;
  if (typeof raw === 'string') return raw;
  const url = c.req.url;
  return url.slice(url.indexOf('/', url.indexOf('//') + 2));
}

function unavailable(retryAfter: number): AppError {
  const seconds = Math.max(1, Math.ceil(retryAfter));
  // Never the session-rejection strings: the client would wipe a session that is still good.
  return new AppError('AUTH_UNAVAILABLE', AUTH_MESSAGES.unavailable, {
    retryAfter: seconds,
    details: { retry_after: seconds },
  });
}

/** Counts request body bytes as they stream to Flowless and fails the upload past the bound. */
function boundedBody(body: ReadableStream<Uint8Array>, limit: number, onOverflow: () => void) {
  let seen = 0;
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.byteLength;
        if (seen > limit) {
          onOverflow();
          controller.error(new Error('request body over the limit'));
          return;
        }
        controller.enqueue(chunk);
      },
    }),
  );
}

/** The answer's bytes and JSON, or undefined when it declares more than MAX_EFFECT_BODY (left to stream). */
async function readSmallBody(res: Response): Promise<{ bytes: Uint8Array; json: unknown } | undefined> {
  const declared = res.headers.get('content-length');
  if (declared === null || Number(declared) > MAX_EFFECT_BODY) return undefined;
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (bytes.byteLength > MAX_EFFECT_BODY) return { bytes, json: undefined };
  try {
    return { bytes, json: JSON.parse(new TextDecoder().decode(bytes)) };
  } catch {
    return { bytes, json: undefined };
  }
}

/**
 * Flowfull's `/auth/*`: forwards a Pubflow client's auth calls to Flowless so that one base URL
 * serves auth and data, and applies the calls' effects (logout, password change…) to Flowfull's
 * session cache before the answer leaves. Not an open proxy: one upstream host, one prefix, a path
 * whitelist, a method whitelist, the bridge routes unreachable, the bridge secret never forwarded.
 */
export function createAuthGateway(options: AuthGatewayOptions): AuthGateway {
  const o = resolveGatewayOptions(options);
  const logger: Logger = options.logger ?? silentLogger();
  const client = options.upstream === undefined ? createUpstreamClient() : undefined;
  const doFetch: UpstreamFetch = options.upstream ?? client!.fetch;
  const clientIp = options.clientIp ?? currentClientIp;
  const extraction = resolveExtraction({ allowQuery: false });
  const sessionIdOf = options.sessionIdOf ?? ((c: Context) => extractSessionId(c, extraction));
  const breaker =
    options.breaker instanceof CircuitBreaker
      ? options.breaker
      : new CircuitBreaker({
          ...options.breaker,
          onChange: (state) =>
            state === 'open'
              ? logger.warn('gateway: Flowless breaker open, auth calls answer 503')
              : logger.info('gateway: Flowless breaker closed'),
        });
  const counters = new GatewayCounters();
  const hooks = { onSessionEnded: options.onSessionEnded, onSessionChanged: options.onSessionChanged };

  async function runEffect(
    c: Context,
    kind: EffectKind,
    status: number,
    sessionId: string | undefined,
    body: unknown,
  ) {
    try {
      await applyEffect(kind, status, sessionId, body, hooks);
      counters.effects++;
    } catch (err) {
      // Flowless has already acted; the answer stands. The cache entry ages out (BRIDGE_CACHE_TTL).
      counters.effectFailures++;
      logger.error(
        { err: (err as Error)?.name, kind, requestId: c.get('requestId') },
        'gateway: session hook failed',
      );
    }
  }

  async function forward(c: Context, rest: string, query: string): Promise<Response> {
    const method = c.req.method;
    const declared = c.req.header('content-length');
    if (declared !== undefined && Number(declared) > o.bodyLimitBytes) {
      counters.refused++;
      return sendError(c, new AppError('PAYLOAD_TOO_LARGE', 'Request body too large'));
    }
    // Everything that may throw (the one-credential rules in sessionIdOf) runs before the breaker is
    // asked: a probe it lets through must end in success, failure or release.
    const kind = findEffect(o.effects, method, rest);
    const sessionId = kind === undefined ? undefined : sessionIdOf(c);
    const requestId = c.get('requestId') ?? crypto.randomUUID();
    const headers = upstreamRequestHeaders(c.req.raw.headers, {
      clientIp: clientIp(c),
      requestId,
      protocol: c.req.url.startsWith('https:') ? 'https' : 'http',
    });
    if (!breaker.allow()) {
      counters.unavailable++;
      return sendError(c, unavailable(breaker.retryAfterSeconds() || DEFAULT_RETRY_AFTER_S));
    }
    let overflow = false;
    const raw = method === 'GET' || method === 'HEAD' ? null : c.req.raw.body;
    const body = raw ? boundedBody(raw, o.bodyLimitBytes, () => (overflow = true)) : null;
    const call = callSignal(c, o.timeoutMs);
    const signal = call.signal;
    const url = o.upstreamBase + o.upstreamPrefix + rest + (query ? `?${query}` : '');
    counters.forwarded++;

    let upstream: Response;
    try {
      upstream = await doFetch(url, { method, headers, body, signal });
    } catch (err) {
      call.done();
      if (overflow) {
        counters.refused++;
        breaker.release();
        return sendError(c, new AppError('PAYLOAD_TOO_LARGE', 'Request body too large'));
      }
      if (call.clientGone()) {
        // The client left: says nothing about Flowless.
        breaker.release();
        return c.body(null, 499 as never);
      }
      breaker.failure();
      counters.unavailable++;
      logger.warn({ failure: (err as Error)?.name, requestId }, 'gateway: Flowless unreachable');
      return sendError(c, unavailable(breaker.retryAfterSeconds() || DEFAULT_RETRY_AFTER_S));
    }
    // Flowless's own 5xx still passes through unchanged, but counts against its availability.
    if (upstream.status === 502 || upstream.status === 503 || upstream.status === 504) breaker.failure();
    else breaker.success();
    counters.answered(upstream.status);

    const outHeaders = clientResponseHeaders(upstream.headers, o.cookie);
    let outBody: ConstructorParameters<typeof Response>[0] = upstream.body;
    if (kind !== undefined) {
      let parsed: unknown;
      if (needsBody(kind) && upstream.body) {
        let read: Awaited<ReturnType<typeof readSmallBody>>;
        try {
          read = await readSmallBody(upstream);
        } catch {
          // The answer was cut (timeout, Flowless gone): nothing trustworthy to pass on.
          return sendError(c, unavailable(DEFAULT_RETRY_AFTER_S));
        }
        if (read !== undefined) {
          outBody = read.bytes;
          parsed = read.json;
        }
      }
      await runEffect(c, kind, upstream.status, sessionId, parsed);
    }
    return new Response(method === 'HEAD' ? null : outBody, { status: upstream.status, headers: outHeaders });
  }

  const app = new Hono();
  const handle = async (c: Context) => {
    const target = rawPathOf(requestTarget(c));
    if (target === undefined || !isForwardableQuery(target.query)) {
      counters.refused++;
      return sendError(c, new AppError('BAD_REQUEST', 'Invalid path'));
    }
    const verdict = classifyPath(target.path, o.prefix, BLOCKED_AREAS);
    if (verdict.kind !== 'forward') {
      counters.refused++;
      if (verdict.kind === 'invalid') return sendError(c, new AppError('BAD_REQUEST', 'Invalid path'));
      return sendError(c, new AppError('NOT_FOUND', 'Not found'));
    }
    if (!o.methods.has(c.req.method)) {
      counters.refused++;
      c.header('Allow', [...o.methods].join(', '));
      return sendError(c, new AppError('METHOD_NOT_ALLOWED', 'Method not allowed'));
    }
    if (options.rateLimit && o.rateLimitedPaths.test(verdict.rest)) {
      let response: Response | undefined;
      const limited = await options.rateLimit(c, async () => {
        response = await forward(c, verdict.rest, target.query);
      });
      return response ?? limited ?? c.res;
    }
    return forward(c, verdict.rest, target.query);
  };
  app.all(o.prefix, handle);
  app.all(`${o.prefix}/*`, handle);
  return { app, breaker, counters, close: () => client?.close() };
}
