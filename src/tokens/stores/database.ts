import type { Kysely, Migration } from 'kysely';
import type { ConsumeOutcome, JtiState, TokenStateLookup, TokenStateStore } from './types.js';

/**
 * Token state in SQL, portable across PostgreSQL, MySQL/MariaDB, SQLite and libsql: plain
 * varchar and bigint (epoch ms) columns, no upsert syntax, no dialect-only types. Atomicity comes
 * from the primary key on jti alone: of concurrent INSERTs of one jti, the database lets exactly
 * one commit.
 */

export interface TokenTableOptions {
  /** Prepended to both table names (tests use a random one; apps may want a namespace). */
  tablePrefix?: string;
}

export function tokenTableNames(options: TokenTableOptions = {}) {
  const prefix = options.tablePrefix ?? '';
  return { uses: `${prefix}trust_token_uses`, subjects: `${prefix}trust_token_subject_revocations` };
}

export const TOKEN_MIGRATION_NAME = '2026_11_27_0200_trust_tokens';

/** Kysely migrations creating the two tables (same DDL on every dialect). */
export function createTokenMigrations(options: TokenTableOptions = {}): Record<string, Migration> {
  const t = tokenTableNames(options);
  return {
    [TOKEN_MIGRATION_NAME]: {
      async up(db) {
        await db.schema
          .createTable(t.uses)
          .addColumn('jti', 'varchar(64)', (c) => c.primaryKey())
          .addColumn('state', 'varchar(16)', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex(`${t.uses}_expires_idx`).on(t.uses).column('expires_at').execute();
        await db.schema
          .createTable(t.subjects)
          .addColumn('subject_key', 'varchar(64)', (c) => c.primaryKey())
          .addColumn('not_before', 'bigint', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex(`${t.subjects}_expires_idx`)
          .on(t.subjects)
          .column('expires_at')
          .execute();
      },
      async down(db) {
        await db.schema.dropTable(t.subjects).ifExists().execute();
        await db.schema.dropTable(t.uses).ifExists().execute();
      },
    },
  };
}

/** The default migrations, for the application's migrator. */
export const tokenMigrations: Record<string, Migration> = createTokenMigrations();

function stateOf(value: unknown): JtiState | null {
  if (value === null || value === undefined) return null;
  return value === 'revoked' ? 'revoked' : 'used';
}

// biome-ignore lint/suspicious/noExplicitAny: the application's table types are not ours to know
export function createDatabaseTokenStore(db: Kysely<any>, options: TokenTableOptions = {}): TokenStateStore {
  const t = tokenTableNames(options);

  async function readState(jti: string): Promise<JtiState | null> {
    const row = await db.selectFrom(t.uses).select('state').where('jti', '=', jti).executeTakeFirst();
    return stateOf(row?.state);
  }

  /**
   * INSERT, and on any error ask whether the row is there. Whatever the dialect's error code for
   * a duplicate key, a present row means someone else recorded the jti first; an absent one means
   * the write really failed, and the error stands.
   */
  async function insertOnce(jti: string, state: JtiState, untilMs: number): Promise<ConsumeOutcome> {
    try {
      await db
        .insertInto(t.uses)
        .values({ jti, state, expires_at: untilMs, created_at: Date.now() })
        .execute();
      return 'consumed';
    } catch (err) {
      const existing = await readState(jti);
      if (existing) return existing;
      throw err;
    }
  }

  async function raiseNotBefore(key: string, notBeforeMs: number, untilMs: number): Promise<number> {
    const result = await db
      .updateTable(t.subjects)
      .set({ not_before: notBeforeMs, expires_at: untilMs })
      .where('subject_key', '=', key)
      .where('not_before', '<', notBeforeMs)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  return {
    kind: 'database',
    consume: (jti, retention) => insertOnce(jti, 'used', retention.untilMs),
    async revoke(jti, retention) {
      await insertOnce(jti, 'revoked', retention.untilMs);
    },
    async revokeSubject(key, notBeforeMs, retention) {
      if ((await raiseNotBefore(key, notBeforeMs, retention.untilMs)) > 0) return;
      try {
        await db
          .insertInto(t.subjects)
          .values({ subject_key: key, not_before: notBeforeMs, expires_at: retention.untilMs })
          .execute();
      } catch (err) {
        // A row appeared since the UPDATE (or was there, later than ours): raise it if needed.
        const row = await db
          .selectFrom(t.subjects)
          .select('not_before')
          .where('subject_key', '=', key)
          .executeTakeFirst();
        if (!row) throw err;
        await raiseNotBefore(key, notBeforeMs, retention.untilMs);
      }
    },
    async lookup(jti, key): Promise<TokenStateLookup> {
      if (key === undefined) return { jti: await readState(jti), subjectNotBeforeMs: null };
      // One round trip for both answers.
      const row = await db
        .selectNoFrom((eb) => [
          eb.selectFrom(t.uses).select('state').where('jti', '=', jti).as('state'),
          eb.selectFrom(t.subjects).select('not_before').where('subject_key', '=', key).as('not_before'),
        ])
        .executeTakeFirstOrThrow();
      const notBefore = row.not_before;
      return {
        jti: stateOf(row.state),
        subjectNotBeforeMs: notBefore === null || notBefore === undefined ? null : Number(notBefore),
      };
    },
    async purgeExpired(nowMs) {
      const uses = await db.deleteFrom(t.uses).where('expires_at', '<', nowMs).executeTakeFirst();
      const subjects = await db.deleteFrom(t.subjects).where('expires_at', '<', nowMs).executeTakeFirst();
      return Number(uses.numDeletedRows) + Number(subjects.numDeletedRows);
    },
  };
}
