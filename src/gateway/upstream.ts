import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';

/** The one call the gateway makes: a request out, a streamed Response back. */
export interface UpstreamRequest {
  method: string;
  headers: Headers;
  /** null for GET and HEAD. */
  body: ReadableStream<Uint8Array> | null;
  /** Aborts the call, the answer's body included (timeout, or the client went away). */
  signal: AbortSignal;
}

export type UpstreamFetch = (url: string, init: UpstreamRequest) => Promise<Response>;

export interface UpstreamClient {
  fetch: UpstreamFetch;
  /** Closes idle keep-alive connections. */
  close(): void;
}

const NULL_BODY = new Set([204, 205, 304]);
const SAFE = new Set(['GET', 'HEAD']);
/** Answers up to this size with a Content-Length are read whole before answering. */
const SMALL_BODY = 64 * 1024;

function toHeaders(raw: http.IncomingHttpHeaders): Headers {
  const out = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) out.append(name, v);
    else out.set(name, value);
  }
  return out;
}

function toOutgoing(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    out[name] = value;
  });
  return out;
}

/**
 * node:http with keep-alive connections to Flowless. Measured against the global fetch on this
 * machine, it costs a fraction per forwarded call (bench/gateway.ts); streaming in both directions.
 */
export function createUpstreamClient(): UpstreamClient {
  const agents = {
    'http:': new http.Agent({ keepAlive: true, scheduling: 'lifo' }),
    'https:': new https.Agent({ keepAlive: true, scheduling: 'lifo' }),
  };
  const fetchUpstream = (url: string, init: UpstreamRequest, mayRetry: boolean): Promise<Response> =>
    new Promise<Response>((resolve, reject) => {
      let answered = false;
      const target = new URL(url);
      const secure = target.protocol === 'https:';
      const req = (secure ? https : http).request(
        {
          protocol: target.protocol,
          hostname: target.hostname,
          port: target.port,
          path: target.pathname + target.search,
          method: init.method,
          headers: toOutgoing(init.headers),
          agent: agents[secure ? 'https:' : 'http:'],
          signal: init.signal,
        },
        (res) => {
          answered = true;
          const answer = (body: ReadableStream<Uint8Array> | Buffer | null) => {
            try {
              resolve(new Response(body, { status: res.statusCode ?? 0, headers: toHeaders(res.headers) }));
            } catch (err) {
              // A status or header value no Response can hold: treated like no answer at all.
              res.destroy();
              reject(err);
            }
          };
          const status = res.statusCode ?? 0;
          if (NULL_BODY.has(status) || init.method === 'HEAD') {
            res.resume();
            return answer(null);
          }
          const length = Number(res.headers['content-length'] ?? Number.NaN);
          // Most Flowless answers are small JSON with a length: collected at once, they skip the cost
          // of a web stream per call. Anything else streams.
          if (!(length <= SMALL_BODY)) return answer(Readable.toWeb(res) as ReadableStream<Uint8Array>);
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => answer(Buffer.concat(chunks)));
          res.on('error', reject);
        },
      );
      req.on('error', (err: NodeJS.ErrnoException) => {
        // A kept-alive connection Flowless had just closed: the request never reached it. Only a
        // request without a body and without effects (GET, HEAD) is sent again, once, on a new one.
        const stale = req.reusedSocket && !answered && (err.code === 'ECONNRESET' || err.code === 'EPIPE');
        if (stale && mayRetry && init.body === null && SAFE.has(init.method) && !init.signal.aborted)
          resolve(fetchUpstream(url, init, false));
        else reject(err);
      });
      if (init.body === null) req.end();
      else {
        const upload = Readable.fromWeb(init.body as NodeReadableStream<Uint8Array>);
        upload.on('error', (err) => req.destroy(err));
        upload.pipe(req);
      }
    });
  return {
    fetch: (url, init) => fetchUpstream(url, init, true),
    close() {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}
