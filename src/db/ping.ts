import { type Kysely, sql } from 'kysely';

export type PingResult =
  | { ok: true; latencyMs: number }
  /** `error` is a short code, safe for a public readiness response: never a message or a URL. */
  | { ok: false; latencyMs: number; error: PingErrorCode };

export type PingErrorCode =
  | 'timeout'
  | 'unreachable'
  | 'auth_failed'
  | 'database_missing'
  | 'tls_failed'
  | 'query_failed';

export interface PingOptions {
  /** Default 2000 ms. A ping that takes longer reports `timeout`; the query itself is left to finish. */
  timeoutMs?: number;
}

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ECONNRESET',
  'EHOSTUNREACH',
]);
const AUTH = new Set(['28P01', '28000', 'ER_ACCESS_DENIED_ERROR', 'ER_DBACCESS_DENIED_ERROR']);
const MISSING = new Set(['3D000', 'ER_BAD_DB_ERROR', 'SQLITE_CANTOPEN']);

function classify(err: unknown): PingErrorCode {
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? e.code : '';
  if (UNREACHABLE.has(code)) return 'unreachable';
  if (AUTH.has(code)) return 'auth_failed';
  if (MISSING.has(code)) return 'database_missing';
  if (
    code === 'HANDSHAKE_NO_SSL_SUPPORT' ||
    code.startsWith('ERR_TLS') ||
    /\b(SSL|TLS)\b/.test(String(e?.message))
  )
    return 'tls_failed';
  // pg reports a connect timeout as a plain Error.
  if (typeof e?.message === 'string' && /timeout/i.test(e.message)) return 'timeout';
  return 'query_failed';
}

/** SELECT 1, for readiness. Never throws. */
// biome-ignore lint/suspicious/noExplicitAny: any table layout
export async function ping(db: Kysely<any>, options: PingOptions = {}): Promise<PingResult> {
  const timeoutMs = options.timeoutMs ?? 2000;
  const started = performance.now();
  const elapsed = () => Math.round((performance.now() - started) * 100) / 100;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const query = sql`select 1`.execute(db).then(
    () => 'ok' as const,
    (err: unknown) => classify(err),
  );
  try {
    const outcome = await Promise.race([query, timeout]);
    return outcome === 'ok'
      ? { ok: true, latencyMs: elapsed() }
      : { ok: false, latencyMs: elapsed(), error: outcome };
  } finally {
    clearTimeout(timer);
  }
}
