import type { Context } from 'hono';

/**
 * A session as Flowfull knows it after bridge validation, normalised from every success body
 * of the Flowless protocol (section 2). Field names follow the seed (`session.user_id`,
 * `session.user_type`). The raw session id is never stored here: only its hash.
 */
export interface Session {
  /** hashId(session id): safe for logs and cache keys. */
  session_id_hash: string;
  user_id: string;
  email: string | null;
  name: string | null;
  user_type: string | null;
  /** The binding Flowless reports for the session (null when it reports none). */
  ip_address: string | null;
  user_agent: string | null;
  device_id: string | null;
  /** ISO-8601 expiry reported by Flowless, when it reports one. */
  expires_at: string | null;
  /** The whole user record as Flowless sent it, unknown fields kept. */
  user: Record<string, unknown>;
  /** Epoch ms of the last confirmation by Flowless (for the stale-if-error window). */
  validated_at: number;
}

/**
 * A check run on every authenticated request after the session is known, whether it came
 * from the cache or from Flowless (validation modes implement it). It throws an AppError to
 * refuse the request.
 */
export interface SessionGuard {
  enforce(c: Context, session: Session, sessionId: string): Promise<void>;
}
