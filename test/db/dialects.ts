import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatabaseType } from '../../src/config/index.js';
import { createDatabase, type Database } from '../../src/db/index.js';
import { SERVICE_URLS } from '../support/services.js';

/** One dialect the contract suite runs on. */
export interface DialectCase {
  name: string;
  /** Which server it needs, if any. */
  service?: 'postgres' | 'mysql';
  expectedType: DatabaseType;
  /** A fresh handle; for files and servers, a second call reaches the same database. */
  open(): Database;
  /** Whether two handles see one database (an in-memory libsql database is private to its client). */
  sharedAcrossHandles: boolean;
  cleanup(): void;
}

function server(name: string, service: 'postgres' | 'mysql', type: DatabaseType): DialectCase {
  return {
    name,
    service,
    expectedType: type,
    open: () => createDatabase({ url: SERVICE_URLS[service], poolMax: 4 }),
    sharedAcrossHandles: true,
    cleanup: () => undefined,
  };
}

function sqliteFile(): DialectCase {
  const dir = mkdtempSync(join(tmpdir(), 'flowfull-db-'));
  return {
    name: 'sqlite file',
    expectedType: 'sqlite',
    open: () => createDatabase({ url: `file:${join(dir, 'nested', 'contract.db')}` }),
    sharedAcrossHandles: true,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

function libsqlMemory(): DialectCase {
  return {
    name: 'libsql :memory:',
    expectedType: 'libsql',
    open: () => createDatabase({ url: ':memory:', type: 'libsql' }),
    sharedAcrossHandles: false,
    cleanup: () => undefined,
  };
}

/** A short random id, so parallel runs use tables of their own. */
export function runId(): string {
  return randomBytes(4).toString('hex');
}

export function dialectCases(): DialectCase[] {
  return [
    server('postgres', 'postgres', 'postgres'),
    server('mariadb', 'mysql', 'mysql'),
    sqliteFile(),
    libsqlMemory(),
  ];
}
