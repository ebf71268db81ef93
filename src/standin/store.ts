import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'libsql';
import { AppError } from '../errors.js';
import type { SessionBinding, StandinUser } from './types.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS users (
  id            TEXT PRIMARY KEY,
  email         TEXT NOT NULL UNIQUE COLLATE NOCASE,
  user_name     TEXT UNIQUE COLLATE NOCASE,
  name          TEXT NOT NULL,
  last_name     TEXT,
  user_type     TEXT NOT NULL,
  picture       TEXT,
  phone         TEXT,
  is_verified   INTEGER NOT NULL,
  password_hash TEXT,
  created_at    TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
  id           TEXT PRIMARY KEY,
  token_hash   TEXT NOT NULL UNIQUE,
  user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  ip_address   TEXT,
  user_agent   TEXT,
  device_id    TEXT,
  created_at   INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL,
  last_used_at INTEGER NOT NULL,
  revoked_at   INTEGER
);
CREATE INDEX IF NOT EXISTS sessions_user ON sessions(user_id);
`;

interface UserRow {
  id: string;
  email: string;
  user_name: string | null;
  name: string;
  last_name: string | null;
  user_type: string;
  picture: string | null;
  phone: string | null;
  is_verified: number;
  password_hash: string | null;
  created_at: string;
}

interface SessionRow {
  id: string;
  user_id: string;
  ip_address: string | null;
  user_agent: string | null;
  device_id: string | null;
  created_at: number;
  expires_at: number;
  last_used_at: number;
  revoked_at: number | null;
}

export interface NewUser {
  email: string;
  name: string;
  lastName: string | null;
  userName: string | null;
  userType: string;
  verified: boolean;
  passwordHash: string | null;
}

/** A live session as the routes see it. `id` is the record id, never the secret session id. */
export interface SessionRecord {
  id: string;
  userId: string;
  ipAddress: string | null;
  userAgent: string | null;
  deviceId: string | null;
  createdAt: Date;
  expiresAt: Date;
  lastUsedAt: Date;
}

export type SessionLookup =
  | { status: 'valid'; session: SessionRecord; user: StandinUser }
  | { status: 'expired' }
  | { status: 'invalid' };

export interface UserWithPassword {
  user: StandinUser;
  passwordHash: string | null;
}

/** Only a SHA-256 of a session id is ever stored, so a leaked database replays nothing. */
export function hashSessionId(sessionId: string): string {
  return createHash('sha256').update(sessionId).digest('hex');
}

function randomId(prefix: string, bytes: number): string {
  return prefix + randomBytes(bytes).toString('base64url');
}

function toUser(row: UserRow): StandinUser {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    last_name: row.last_name,
    user_name: row.user_name,
    user_type: row.user_type,
    picture: row.picture,
    phone: row.phone,
    is_verified: row.is_verified === 1,
    created_at: row.created_at,
  };
}

function toSession(row: SessionRow): SessionRecord {
  return {
    id: row.id,
    userId: row.user_id,
    ipAddress: row.ip_address,
    userAgent: row.user_agent,
    deviceId: row.device_id,
    createdAt: new Date(row.created_at),
    expiresAt: new Date(row.expires_at),
    lastUsedAt: new Date(row.last_used_at),
  };
}

function conflictFor(err: unknown): AppError | undefined {
  const e = err as { code?: string; message?: string };
  if (e.code !== 'SQLITE_CONSTRAINT_UNIQUE' && e.code !== 'SQLITE_CONSTRAINT_PRIMARYKEY') return undefined;
  if (e.message?.includes('users.user_name')) return new AppError('CONFLICT', 'User name already taken');
  return new AppError('CONFLICT', 'Email already registered');
}

export interface StandinStore {
  createUser(input: NewUser): StandinUser;
  findUserById(id: string): StandinUser | undefined;
  findUserByLogin(by: 'email' | 'user_name', value: string): UserWithPassword | undefined;
  createSession(
    userId: string,
    ttlSeconds: number,
    binding: SessionBinding,
  ): { sessionId: string; expiresAt: Date };
  /** Looks a session up by its secret id; `touch` records the use. */
  lookupSession(sessionId: string, touch: boolean): SessionLookup;
  /** Returns false when no unrevoked session had that id. */
  revokeSession(sessionId: string): boolean;
  expireSession(sessionId: string): boolean;
  /** Replaces a user's password hash; false when no such user. */
  setPassword(userId: string, passwordHash: string): boolean;
  /** Revokes every live session of a user except `keepSessionId`; returns the revoked sessions' hashes. */
  revokeUserSessions(userId: string, keepSessionId?: string): string[];
  close(): void;
}

export function openStandinStore(path: string): StandinStore {
  if (path !== ':memory:' && !path.startsWith('file:')) mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  if (path !== ':memory:') db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.exec(SCHEMA);

  const insertUser = db.prepare(
    `INSERT INTO users (id, email, user_name, name, last_name, user_type, is_verified, password_hash, created_at)
     VALUES (@id, @email, @user_name, @name, @last_name, @user_type, @is_verified, @password_hash, @created_at)`,
  );
  const userById = db.prepare<[string]>('SELECT * FROM users WHERE id = ?');
  const userByEmail = db.prepare<[string]>('SELECT * FROM users WHERE email = ?');
  const userByName = db.prepare<[string]>('SELECT * FROM users WHERE user_name = ?');
  const insertSession = db.prepare(
    `INSERT INTO sessions (id, token_hash, user_id, ip_address, user_agent, device_id, created_at, expires_at, last_used_at)
     VALUES (@id, @token_hash, @user_id, @ip_address, @user_agent, @device_id, @created_at, @expires_at, @created_at)`,
  );
  const sessionByHash = db.prepare<[string]>('SELECT * FROM sessions WHERE token_hash = ?');
  const touchSession = db.prepare('UPDATE sessions SET last_used_at = ? WHERE id = ?');
  const revoke = db.prepare('UPDATE sessions SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL');
  const expire = db.prepare('UPDATE sessions SET expires_at = ? WHERE token_hash = ? AND revoked_at IS NULL');
  const updatePassword = db.prepare('UPDATE users SET password_hash = ? WHERE id = ?');
  const liveOfUser = db.prepare('SELECT token_hash FROM sessions WHERE user_id = ? AND revoked_at IS NULL');
  const revokeByHash = db.prepare(
    'UPDATE sessions SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL',
  );

  return {
    createUser(input) {
      const row = {
        id: randomId('usr_', 16),
        email: input.email,
        user_name: input.userName,
        name: input.name,
        last_name: input.lastName,
        user_type: input.userType,
        is_verified: input.verified ? 1 : 0,
        password_hash: input.passwordHash,
        created_at: new Date().toISOString(),
      };
      try {
        insertUser.run(row);
      } catch (err) {
        throw conflictFor(err) ?? err;
      }
      return toUser({ ...row, picture: null, phone: null });
    },
    findUserById(id) {
      const row = userById.get(id) as UserRow | undefined;
      return row && toUser(row);
    },
    findUserByLogin(by, value) {
      const row = (by === 'email' ? userByEmail.get(value) : userByName.get(value)) as UserRow | undefined;
      return row && { user: toUser(row), passwordHash: row.password_hash };
    },
    createSession(userId, ttlSeconds, binding) {
      const sessionId = randomId('ses_', 32);
      const now = Date.now();
      const expiresAt = now + ttlSeconds * 1000;
      insertSession.run({
        id: randomId('sesrec_', 12),
        token_hash: hashSessionId(sessionId),
        user_id: userId,
        ip_address: binding.ipAddress ?? null,
        user_agent: binding.userAgent ?? null,
        device_id: binding.deviceId ?? null,
        created_at: now,
        expires_at: expiresAt,
      });
      return { sessionId, expiresAt: new Date(expiresAt) };
    },
    lookupSession(sessionId, touch) {
      const row = sessionByHash.get(hashSessionId(sessionId)) as SessionRow | undefined;
      if (!row || row.revoked_at !== null) return { status: 'invalid' };
      const now = Date.now();
      if (row.expires_at <= now) return { status: 'expired' };
      const userRow = userById.get(row.user_id) as UserRow | undefined;
      if (!userRow) return { status: 'invalid' };
      if (touch) {
        touchSession.run(now, row.id);
        row.last_used_at = now;
      }
      return { status: 'valid', session: toSession(row), user: toUser(userRow) };
    },
    revokeSession(sessionId) {
      return revoke.run(Date.now(), hashSessionId(sessionId)).changes > 0;
    },
    expireSession(sessionId) {
      return expire.run(Date.now() - 1000, hashSessionId(sessionId)).changes > 0;
    },
    setPassword(userId, passwordHash) {
      return updatePassword.run(passwordHash, userId).changes > 0;
    },
    revokeUserSessions(userId, keepSessionId) {
      const keep = keepSessionId === undefined ? undefined : hashSessionId(keepSessionId);
      const now = Date.now();
      return db.transaction(() =>
        (liveOfUser.all(userId) as Array<{ token_hash: string }>)
          .map((r) => r.token_hash)
          .filter((h) => h !== keep && revokeByHash.run(now, h).changes > 0),
      )();
    },
    close() {
      if (db.open) db.close();
    },
  };
}
