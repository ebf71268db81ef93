import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import proxyAddr from 'proxy-addr';
import { normalizeIp, UNKNOWN_IP } from './ip.js';

declare module 'hono' {
  interface ContextVariableMap {
    /** The client address, resolved once per request by clientIpMiddleware (trusted proxies only). */
    clientIp: string;
  }
}

/** TRUST_PROXY as parsed by the config: off, a hop count, or addresses/CIDRs/names for proxy-addr. */
export type TrustProxy = false | number | string[];

/**
 * Which header trusted proxies write. Only one is read: a proxy appends to the header it knows
 * and forwards the other one untouched, so reading both would let a client forge its address.
 */
export type ForwardedHeader = 'x-forwarded-for' | 'forwarded';

export interface ClientIpResolverOptions {
  /** Default `x-forwarded-for`; `forwarded` reads RFC 7239 `Forwarded: for=…`. */
  header?: ForwardedHeader;
}

export type ClientIpResolver = (c: Context) => string;

/**
 * The peer address of the TCP connection. Under `app.request()` there is no socket: tests may
 * pass `{ incoming: { socket: { remoteAddress } } }` as the env argument, which is where
 * @hono/node-server puts the real one.
 */
export function socketAddress(c: Context): string | undefined {
  try {
    return getConnInfo(c).remote.address ?? undefined;
  } catch {
    return undefined;
  }
}

/** Splits on commas outside quoted strings (RFC 7230 quoted-string, with backslash escapes). */
function splitOutsideQuotes(value: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    if (quoted && ch === '\\') {
      current += ch + (value[++i] ?? '');
      continue;
    }
    if (ch === '"') quoted = !quoted;
    if (ch === separator && !quoted) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts;
}

function unquote(value: string): string {
  const v = value.trim();
  if (v.length < 2 || !v.startsWith('"') || !v.endsWith('"')) return v;
  return v.slice(1, -1).replace(/\\(.)/g, '$1');
}

/**
 * The `for=` node of each RFC 7239 element, in header order (client first, nearest proxy last).
 * An element without `for`, or with `unknown` or an obfuscated `_name`, yields `unknown`.
 */
export function parseForwarded(header: string): string[] {
  return splitOutsideQuotes(header, ',')
    .filter((element) => element.trim() !== '')
    .map((element) => {
      for (const pair of splitOutsideQuotes(element, ';')) {
        const eq = pair.indexOf('=');
        if (eq === -1 || pair.slice(0, eq).trim().toLowerCase() !== 'for') continue;
        return normalizeIp(unquote(pair.slice(eq + 1)));
      }
      return UNKNOWN_IP;
    });
}

/** The X-Forwarded-For hops, in header order (client first, nearest proxy last). */
export function parseXForwardedFor(header: string): string[] {
  return header
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function compileTrust(trustProxy: TrustProxy): (addr: string, hop: number) => boolean {
  if (trustProxy === false) return () => false;
  if (typeof trustProxy === 'number') return (_addr, hop) => hop < trustProxy;
  if (trustProxy.length === 0) return () => false;
  // proxy-addr parses the address on every call; the same few proxies ask on every request.
  const trusted = proxyAddr.compile(trustProxy);
  const memo = new Map<string, boolean>();
  return (addr) => {
    let out = memo.get(addr);
    if (out === undefined) {
      out = trusted(addr, 0);
      if (memo.size >= 10_000) memo.clear();
      memo.set(addr, out);
    }
    return out;
  };
}

/**
 * Resolves the client address with proxy-addr's rule: start at the socket peer and walk the
 * forwarding chain from the nearest hop outwards while the current address is a trusted proxy;
 * the first untrusted address is the client. With nothing trusted, the socket peer is the client.
 * Headers from an untrusted peer are never read.
 */
export function createClientIpResolver(
  trustProxy: TrustProxy,
  options: ClientIpResolverOptions = {},
): ClientIpResolver {
  const trust = compileTrust(trustProxy);
  const header = options.header ?? 'x-forwarded-for';
  const parse = header === 'forwarded' ? parseForwarded : parseXForwardedFor;
  return (c) => {
    const socket = normalizeIp(socketAddress(c));
    if (socket === UNKNOWN_IP || !trust(socket, 0)) return socket;
    const raw = c.req.header(header);
    if (!raw) return socket;
    const chain = [socket, ...parse(raw).map(normalizeIp).reverse()];
    for (let i = 1; i < chain.length - 1; i++) {
      if (!trust(chain[i]!, i)) return chain[i]!;
    }
    return chain[chain.length - 1]!;
  };
}

/** Resolves the client address once per request and stores it as `c.get('clientIp')`. */
export function clientIpMiddleware(resolver: ClientIpResolver): MiddlewareHandler {
  // Not async: one promise fewer per request (next() already returns one).
  return (c, next) => {
    c.set('clientIp', resolver(c));
    return next();
  };
}

/** The address set by clientIpMiddleware, else the socket peer (no proxy trusted). */
export function currentClientIp(c: Context): string {
  return c.get('clientIp') ?? normalizeIp(socketAddress(c));
}
