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
  const fetchUpstream: UpstreamFetch = (url, init) =>
    new Promise<Response>((resolve, reject) => {
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
          try {
            const status = res.statusCode ?? 0;
            const empty = NULL_BODY.has(status) || init.method === 'HEAD';
            if (empty) res.resume();
            const body = empty ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>);
            resolve(new Response(body, { status, headers: toHeaders(res.headers) }));
          } catch (err) {
            // A status or header value no Response can hold: treated like no answer at all.
            res.destroy();
            reject(err);
          }
        },
      );
      req.on('error', reject);
      if (init.body === null) req.end();
      else {
        const upload = Readable.fromWeb(init.body as NodeReadableStream<Uint8Array>);
        upload.on('error', (err) => req.destroy(err));
        upload.pipe(req);
      }
    });
  return {
    fetch: fetchUpstream,
    close() {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}
