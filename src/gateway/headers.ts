/**
 * Header rules of the gateway, in both directions. Requests: hop-by-hop headers, anything a client
 * could use to speak for Flowfull (X-Bridge-Secret) or to forge its address (X-Forwarded-*,
 * Forwarded, X-Real-IP) are dropped, and Flowfull's own view is added. Responses: hop-by-hop and
 * CORS headers are dropped (Flowfull's CORS policy is the one in force) and cookies are rewritten
 * for Flowfull's origin.
 */

/** RFC 9110 section 7.6.1 hop-by-hop headers, plus the proxy ones. */
export const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
];

/** Never forwarded from a client, whatever else happens. */
const CLIENT_FORBIDDEN = [
  'host',
  'x-bridge-secret',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-forwarded-port',
  'forwarded',
  'x-real-ip',
  'x-request-id',
  'expect',
  // fetch decodes compressed answers itself; asking for identity keeps the bytes and headers in step.
  'accept-encoding',
];

export interface ForwardFacts {
  clientIp: string;
  requestId: string;
  protocol: 'http' | 'https';
}

function dropConnectionListed(headers: Headers): void {
  const listed = headers.get('connection');
  if (!listed) return;
  for (const name of listed.split(',')) {
    const n = name.trim().toLowerCase();
    // A client naming an end-to-end header we add ourselves gains nothing: those are set below.
    if (n !== '') headers.delete(n);
  }
}

/** The headers sent to Flowless for one client request. */
export function upstreamRequestHeaders(incoming: Headers, facts: ForwardFacts): Headers {
  const headers = new Headers(incoming);
  dropConnectionListed(headers);
  for (const name of HOP_BY_HOP) headers.delete(name);
  for (const name of CLIENT_FORBIDDEN) headers.delete(name);
  headers.set('x-forwarded-for', facts.clientIp);
  headers.set('x-forwarded-proto', facts.protocol);
  headers.set('x-request-id', facts.requestId);
  headers.set('accept-encoding', 'identity');
  return headers;
}

export interface CookieRewrite {
  /** Domain to set on every cookie; absent: Domain is dropped (host-only cookie on Flowfull's origin). */
  domain?: string;
  /** true: add Secure; false: drop it (plain-HTTP development); 'keep': as Flowless sent it. */
  secure: boolean | 'keep';
}

/**
 * One Set-Cookie value rewritten for Flowfull's origin: Domain dropped or replaced, Secure per
 * policy, everything else (Path, Expires, Max-Age, HttpOnly, SameSite, Partitioned) kept.
 */
export function rewriteSetCookie(value: string, rule: CookieRewrite): string {
  const [pair, ...attributes] = value.split(';');
  const kept: string[] = [];
  let hadSecure = false;
  for (const raw of attributes) {
    const attribute = raw.trim();
    if (attribute === '') continue;
    const name = attribute.split('=', 1)[0]!.trim().toLowerCase();
    if (name === 'domain') continue;
    if (name === 'secure') {
      hadSecure = true;
      continue;
    }
    kept.push(attribute);
  }
  if (rule.domain !== undefined) kept.push(`Domain=${rule.domain}`);
  if (rule.secure === true || (rule.secure === 'keep' && hadSecure)) kept.push('Secure');
  return [pair!.trim(), ...kept].join('; ');
}

/** Upstream headers with no meaning on the client connection, or that Flowfull decides itself. */
function droppedFromResponse(name: string): boolean {
  return (
    HOP_BY_HOP.includes(name) ||
    name.startsWith('access-control-') ||
    name === 'set-cookie' ||
    name === 'x-request-id'
  );
}

/** The headers of the answer sent to the client. */
export function clientResponseHeaders(upstream: Headers, cookies: CookieRewrite): Headers {
  const out = new Headers();
  upstream.forEach((value, name) => {
    if (!droppedFromResponse(name)) out.set(name, value);
  });
  // fetch has already decoded a compressed body (though identity was asked for): its length changed.
  if (out.has('content-encoding')) {
    out.delete('content-encoding');
    out.delete('content-length');
  }
  for (const cookie of upstream.getSetCookie()) out.append('set-cookie', rewriteSetCookie(cookie, cookies));
  return out;
}
