import type { Kysely, Migration } from 'kysely';
import { LRUCache } from 'lru-cache';
import { portable } from '../db/schema.js';
import { FlowfullConfigError } from '../errors.js';
import { type Logger, silentLogger } from '../log/logger.js';
import { VALIDATOR_DEFAULTS } from './defaults.js';
import type { Session } from './types.js';

// biome-ignore lint/suspicious/noExplicitAny: the users table is created by this module's migration, not typed by the app
type AnyDb = Kysely<any>;

/**
 * The local `users` table (the seed's "sync user data"): a mirror of what Flowless last reported, for
 * joins and foreign keys in the application's own tables. Portable types only: varchar ids, text for
 * the JSON profile, bigint epoch milliseconds for timestamps.
 */
export function usersTableMigration(table = 'users'): Migration {
  return {
    async up(db) {
      const t = portable(db);
      await t
        .createTable(table)
        .addColumn('id', t.string(255), (c) => c.primaryKey())
        .addColumn('email', t.string(255))
        .addColumn('name', t.string(255))
        .addColumn('user_type', t.string(64))
        .addColumn('profile', t.json)
        .addColumn('created_at', t.date, (c) => c.notNull())
        .addColumn('updated_at', t.date, (c) => c.notNull())
        .execute();
      await db.schema.createIndex(`${table}_email_idx`).on(table).column('email').execute();
    },
    async down(db) {
      await db.schema.dropTable(table).execute();
    },
  };
}

export const authMigrations: Record<string, Migration> = {
  '2026_11_27_0100_create_users': usersTableMigration('users'),
};

export interface UserSyncOptions {
  db: AnyDb;
  /** Seconds between two writes for one unchanged user (USER_SYNC_INTERVAL). 0: every confirmation. @default VALIDATOR_DEFAULTS.userSyncIntervalSeconds */
  intervalSeconds?: number;
  /** Default `users`. */
  table?: string;
  /** Users whose last sync is remembered (throttle memory bound). Default 10,000. */
  maxTracked?: number;
  logger?: Logger;
}

export interface UserSyncMetrics {
  writes: number;
  skipped: number;
  failures: number;
}

export interface UserSync {
  /** Records a fresh confirmation; writes in the background unless throttled. Never throws. */
  note(session: Session): void;
  /** Upserts now, throttle or not. */
  sync(session: Session): Promise<void>;
  /** Resolves when background writes started so far have finished. */
  idle(): Promise<void>;
  metrics(): UserSyncMetrics;
}

interface Seen {
  at: number;
  fingerprint: string;
}

function rowOf(session: Session, now: number) {
  return {
    id: session.user_id,
    email: session.email,
    name: session.name,
    user_type: session.user_type,
    profile: JSON.stringify(session.user),
    updated_at: now,
  };
}

/**
 * Insert-or-update that holds when several instances sync one user at once: update; if no row, insert;
 * if the insert loses a race (unique violation on any dialect), the row now exists, so update again.
 */
export async function upsertUser(
  db: AnyDb,
  table: string,
  session: Session,
  now = Date.now(),
): Promise<void> {
  const { id, ...changes } = rowOf(session, now);
  const updated = await db.updateTable(table).set(changes).where('id', '=', id).executeTakeFirst();
  if (Number(updated.numUpdatedRows) > 0) return;
  try {
    await db
      .insertInto(table)
      .values({ id, ...changes, created_at: now })
      .execute();
  } catch (err) {
    const again = await db.updateTable(table).set(changes).where('id', '=', id).executeTakeFirst();
    if (Number(again.numUpdatedRows) > 0) return;
    // MySQL reports 0 changed rows when nothing differs: the row is there all the same.
    const exists = await db.selectFrom(table).select('id').where('id', '=', id).executeTakeFirst();
    if (exists === undefined) throw err;
  }
}

function checkUserSyncOptions(options: UserSyncOptions): void {
  const fail = (what: string): never => {
    throw new FlowfullConfigError(`createUserSync: ${what}`);
  };
  if (options?.db === undefined) fail('db is required (a Kysely instance)');
  const { intervalSeconds: interval, maxTracked: max } = options;
  if (interval !== undefined && !(Number.isSafeInteger(interval) && interval >= 0)) {
    fail(`intervalSeconds must be a whole number >= 0 (got ${String(interval)})`);
  }
  if (max !== undefined && !(Number.isSafeInteger(max) && max >= 1)) {
    fail(`maxTracked must be a whole number >= 1 (got ${String(max)})`);
  }
}

export function createUserSync(options: UserSyncOptions): UserSync {
  checkUserSyncOptions(options);
  const table = options.table ?? 'users';
  const intervalMs = (options.intervalSeconds ?? VALIDATOR_DEFAULTS.userSyncIntervalSeconds) * 1000;
  const logger = options.logger ?? silentLogger();
  const seen = new LRUCache<string, Seen>({
    max: options.maxTracked ?? VALIDATOR_DEFAULTS.userSyncMaxTracked,
  });
  const running = new Set<Promise<void>>();
  const counts: UserSyncMetrics = { writes: 0, skipped: 0, failures: 0 };

  const sync = async (session: Session) => {
    await upsertUser(options.db, table, session);
    counts.writes++;
  };

  return {
    note(session) {
      const now = Date.now();
      const fingerprint = JSON.stringify(rowOf(session, 0));
      const last = seen.get(session.user_id);
      if (last && last.fingerprint === fingerprint && now - last.at < intervalMs) {
        counts.skipped++;
        return;
      }
      seen.set(session.user_id, { at: now, fingerprint });
      const write = sync(session).catch((err: unknown) => {
        counts.failures++;
        seen.delete(session.user_id);
        // Driver messages may quote row values; the code says enough.
        logger.error(
          { code: (err as { code?: unknown })?.code ?? 'unknown', table },
          'auth: user sync failed',
        );
      });
      running.add(write);
      void write.finally(() => running.delete(write));
    },
    sync,
    async idle() {
      while (running.size > 0) await Promise.all([...running]);
    },
    metrics: () => ({ ...counts }),
  };
}
