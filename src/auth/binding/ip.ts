import { isIPv4, isIPv6 } from 'node:net';

/** A parsed address: 4 bytes for IPv4, 16 for IPv6. IPv4-mapped IPv6 is always folded to IPv4. */
export interface ParsedIp {
  family: 4 | 6;
  bytes: Uint8Array;
}

/** Prefix lengths used to compare addresses: 32/128 means exact. */
export interface IpPrefixes {
  v4: number;
  v6: number;
}

export const EXACT_PREFIXES: IpPrefixes = { v4: 32, v6: 128 };

/** The value used when no address is known (no socket, or a trusted proxy said `unknown`). */
export const UNKNOWN_IP = 'unknown';

function parseV4(s: string): Uint8Array | undefined {
  if (!isIPv4(s)) return undefined;
  return Uint8Array.from(s.split('.').map(Number));
}

/** Expands `::` and an embedded IPv4 tail into 16 bytes; `s` is already known to be valid IPv6. */
function parseV6(s: string): Uint8Array {
  let text = s;
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    // Rewrite the dotted tail as the two hex groups it stands for.
    const v4 = parseV4(text.slice(lastColon + 1))!;
    const hi = ((v4[0]! << 8) | v4[1]!).toString(16);
    const lo = ((v4[2]! << 8) | v4[3]!).toString(16);
    text = `${text.slice(0, lastColon + 1)}${hi}:${lo}`;
  }
  const groups = (part: string) => (part ? part.split(':').map((g) => Number.parseInt(g, 16)) : []);
  const [head = '', rest] = text.split('::');
  const left = groups(head);
  const right = rest === undefined ? [] : groups(rest);
  const all = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  const bytes = new Uint8Array(16);
  all.forEach((g, i) => {
    bytes[2 * i] = g >> 8;
    bytes[2 * i + 1] = g & 0xff;
  });
  return bytes;
}

function isV4Mapped(b: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}

/**
 * Strips what proxies and sockets wrap around an address: brackets, a port (`1.2.3.4:80`,
 * `[::1]:80`) and an IPv6 zone (`fe80::1%eth0`).
 */
function unwrap(raw: string): string {
  let s = raw.trim();
  if (s.startsWith('[')) {
    const end = s.indexOf(']');
    s = end === -1 ? s.slice(1) : s.slice(1, end);
  } else if (/^\d{1,3}(\.\d{1,3}){3}:\d+$/.test(s)) {
    s = s.slice(0, s.lastIndexOf(':'));
  }
  const zone = s.indexOf('%');
  return zone === -1 ? s : s.slice(0, zone);
}

/** Parses an address in any common spelling; undefined when it is not an IP address. */
export function parseIp(raw: string | null | undefined): ParsedIp | undefined {
  if (!raw) return undefined;
  const s = unwrap(raw);
  const v4 = parseV4(s);
  if (v4) return { family: 4, bytes: v4 };
  if (!isIPv6(s)) return undefined;
  const v6 = parseV6(s);
  if (isV4Mapped(v6)) return { family: 4, bytes: v6.slice(12) };
  return { family: 6, bytes: v6 };
}

/** RFC 5952 text: lower case, leading zeros dropped, the longest run of zero groups as `::`. */
export function formatIp(ip: ParsedIp): string {
  if (ip.family === 4) return Array.from(ip.bytes).join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((ip.bytes[i]! << 8) | ip.bytes[i + 1]!);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i > 1) [bestStart, bestLen] = [i, j - i];
    i = j;
  }
  const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(':');
  if (bestStart === -1) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLen))}`;
}

/**
 * Remembers the last results of a string function. Every authenticated request normalises the
 * same few addresses again and again; a bounded map makes that a lookup. Cleared when full.
 */
export function memoize(fn: (key: string) => string, max = 10_000): (key: string) => string {
  const memo = new Map<string, string>();
  return (key) => {
    let out = memo.get(key);
    if (out === undefined) {
      out = fn(key);
      if (memo.size >= max) memo.clear();
      memo.set(key, out);
    }
    return out;
  };
}

const normalizeMemo = memoize((raw) => {
  // A plain dotted IPv4 (Node rejects leading zeros) is already canonical.
  if (isIPv4(raw)) return raw;
  const ip = parseIp(raw);
  return ip ? formatIp(ip) : UNKNOWN_IP;
});

/** One canonical spelling per address (IPv4-mapped folded to IPv4); `unknown` for anything else. */
export function normalizeIp(raw: string | null | undefined): string {
  return raw ? normalizeMemo(raw) : UNKNOWN_IP;
}

function maskedBytes(ip: ParsedIp, prefix: number): Uint8Array {
  const out = new Uint8Array(ip.bytes.length);
  for (let i = 0; i < out.length; i++) {
    const bits = Math.max(0, Math.min(8, prefix - 8 * i));
    out[i] = ip.bytes[i]! & ((0xff << (8 - bits)) & 0xff);
  }
  return out;
}

/**
 * The network an address belongs to at the configured prefix, as text (`203.0.113.0/24`).
 * Two addresses match when their networks are equal. Not an address: the raw text itself.
 */
export function networkOf(raw: string, prefixes: IpPrefixes = EXACT_PREFIXES): string {
  const ip = parseIp(raw);
  if (!ip) return raw;
  const prefix = ip.family === 4 ? prefixes.v4 : prefixes.v6;
  return `${formatIp({ family: ip.family, bytes: maskedBytes(ip, prefix) })}/${prefix}`;
}

/** True when both are addresses of one family and share the configured prefix. */
export function sameNetwork(a: string, b: string, prefixes: IpPrefixes = EXACT_PREFIXES): boolean {
  const pa = parseIp(a);
  const pb = parseIp(b);
  if (!pa || !pb) return false;
  return pa.family === pb.family && networkOf(a, prefixes) === networkOf(b, prefixes);
}
