import type { Context } from 'hono';

/*
 * Raw request header reads. Under @hono/node-server the Node request's raw header list is scanned
 * instead of Hono's accessor, which builds a whole fetch Headers object on first use.
 */

export interface NodeEnv {
  incoming?: { rawHeaders?: string[] };
}

/** `key` equals the lower-case `name` ignoring ASCII case, without allocating a lower-cased copy. */
export function isHeader(key: string, name: string): boolean {
  if (key.length !== name.length) return false;
  for (let i = 0; i < key.length; i++) {
    const code = key.charCodeAt(i);
    if ((code >= 65 && code <= 90 ? code + 32 : code) !== name.charCodeAt(i)) return false;
  }
  return true;
}

export function rawHeadersOf(c: Context): string[] | undefined {
  const raw = (c.env as NodeEnv | undefined)?.incoming?.rawHeaders;
  return Array.isArray(raw) ? raw : undefined;
}

/**
 * A request header. Under @hono/node-server the raw header list of the Node request is scanned: the
 * first `c.req.header()` of a request builds a whole fetch Headers object (and Node's own `headers`
 * getter a dictionary), which costs more than the rest of a cached validation. Elsewhere
 * (app.request(), other runtimes) Hono's accessor is used. `name` is lower case. A repeated header
 * comes back as its first value here; see credentialHeaders() for the ones where repeats matter.
 */
export function requestHeader(c: Context, name: string): string | undefined {
  const raw = rawHeadersOf(c);
  if (raw === undefined) return c.req.header(name);
  for (let i = 0; i < raw.length; i += 2) {
    if (isHeader(raw[i]!, name)) return raw[i + 1];
  }
  return undefined;
}
