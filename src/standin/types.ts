import type { Logger } from '../log/logger.js';

/**
 * The three success bodies of `POST /auth/bridge/validate` found in the wild (protocol section 2):
 * - 'seed':    {success, session:{user_id, email, name, user_type, ip_address, user_agent, device_id}}
 * - 'current': {success, user:{…}, session:{id, userId, expiresAt, …}, expires_at, cached, cacheSource, timestamp}
 * - 'older':   {success, data:{valid, trust_token, user:{…}, session:{id, expires_at, created_at}}}
 */
export type ResponseStyle = 'seed' | 'current' | 'older';

export const RESPONSE_STYLES: readonly ResponseStyle[] = ['seed', 'current', 'older'];

export interface StandinOptions {
  /** Shared with Flowfull; checked in constant time on bridge calls. */
  bridgeSecret: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** SQLite file (parent directory created) or ':memory:' (default). */
  databasePath?: string;
  /** Default 7 days. */
  sessionTtlSeconds?: number;
  /** 'production' refuses to start. Defaults to process.env.NODE_ENV at call time. */
  nodeEnv?: string;
  /** Default 'current'. */
  responseStyle?: ResponseStyle;
  /** Default: silent. */
  logger?: Logger;
  /** Initial faults (see StandinFaults); default none. */
  faults?: Partial<StandinFaults>;
  /** Origins a browser app may call the stand-in from, with credentials (CORS_ORIGINS). Default none. */
  corsOrigins?: string[];
  /** Flowfull's revocation hook, called on logout, refresh, password change and reset. Default none. */
  revocationHook?: { url: string; secret: string; timeoutMs?: number };
  /** What GET /auth/two_factor/system answers. Default false. */
  twoFactorOffered?: boolean;
}

/** The user object every route answers with; never carries the password hash. */
export interface StandinUser {
  id: string;
  email: string;
  name: string;
  last_name: string | null;
  user_name: string | null;
  user_type: string;
  picture: string | null;
  phone: string | null;
  is_verified: boolean;
  created_at: string;
}

export interface CreateUserInput {
  email: string;
  /** Without one the user exists but cannot log in with a password. */
  password?: string;
  name?: string;
  userType?: string;
  /** Default true. */
  verified?: boolean;
  lastName?: string;
  userName?: string;
}

export interface SessionBinding {
  ipAddress?: string | null;
  userAgent?: string | null;
  deviceId?: string | null;
  ttlSeconds?: number;
}

export type FaultRoute = 'bridge' | 'logout';

export interface StandinFaults {
  /** Added before answering. */
  latencyMs: number;
  /** Answer with this status (500, 502, 503, 429…) and a JSON error body. */
  status: number | null;
  /** 200 with an HTML body. */
  nonJson: boolean;
  /** Never answer, until the fault is cleared (then answer normally) or the stand-in closes. */
  hang: boolean;
  /** Stop listening: connections are refused. Back to false listens again on the same port. */
  refuse: boolean;
  /** Only the next N faulted calls get `status`/`nonJson`, then both clear. 0 = every call while set. */
  failNext: number;
  /** Routes the answer faults apply to; default both. `refuse` always takes the whole server down. */
  routes: FaultRoute[];
}

export interface RecordedBridgeRequest {
  query: Record<string, string>;
  /** Lower-cased names. Holds the secret and session id as sent: tests read it, nothing logs it. */
  headers: Record<string, string>;
  body: unknown;
}

export interface StandinStats {
  bridgeValidateCalls: number;
  logoutCalls: number;
  /** The last 50, oldest first. */
  lastBridgeRequests: RecordedBridgeRequest[];
}

/** What tests steer at run time; shared by the in-process app and the listening server. */
export interface StandinControls {
  setFaults(faults: Partial<StandinFaults>): void;
  resetFaults(): void;
  setResponseStyle(style: ResponseStyle): void;
  /** Deep-merged into every following bridge answer (not into fault answers); null clears. */
  setResponseOverride(extra: Record<string, unknown> | null): void;
  stats(): StandinStats;
  resetStats(): void;
  createUser(input: CreateUserInput): Promise<StandinUser>;
  createSession(userId: string, binding?: SessionBinding): Promise<{ sessionId: string; expiresAt: string }>;
  revokeSession(sessionId: string): Promise<void>;
  expireSession(sessionId: string): Promise<void>;
}

export interface FlowlessStandin extends StandinControls {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  readonly port: number;
  /** Destroys open sockets (hung requests included) and closes the database. Idempotent. */
  close(): Promise<void>;
}
