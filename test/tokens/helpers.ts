import { randomBytes } from 'node:crypto';
import { AppError } from '../../src/errors.js';
import {
  createEphemeralTokenKeys,
  createMemoryTokenStore,
  createTrustTokenService,
  type TokenKeys,
  type TokenStateStore,
  type TrustTokenService,
  type TrustTokenServiceOptions,
} from '../../src/tokens/index.js';

export const LIFETIMES = {
  invitation: 7 * 24 * 3600,
  email_verification: 24 * 3600,
  password_reset: 3600,
  api_access: 30 * 24 * 3600,
};

let sharedKeys: Promise<TokenKeys> | undefined;
/** One key set per test file: key generation is not what these tests are about. */
export function testKeys(): Promise<TokenKeys> {
  sharedKeys ??= createEphemeralTokenKeys();
  return sharedKeys;
}

/** A controllable clock: tests move time instead of waiting for it. */
export function manualClock(start = new Date('2026-06-01T12:00:00.000Z')) {
  let at = start.getTime();
  return {
    now: () => new Date(at),
    advance: (seconds: number) => {
      at += seconds * 1000;
    },
  };
}

export async function makeService(
  overrides: Partial<TrustTokenServiceOptions> & { store?: TokenStateStore } = {},
): Promise<TrustTokenService> {
  return createTrustTokenService({
    keys: overrides.keys ?? (await testKeys()),
    issuer: 'flowfull',
    audience: 'flowfull',
    clockSkewSeconds: 60,
    lifetimes: LIFETIMES,
    maxLength: 8192,
    store: overrides.store ?? createMemoryTokenStore(),
    ...overrides,
  });
}

/** The AppError a promise rejects with (fails the test if it resolves or throws something else). */
export async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const err = await promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
  if (!(err instanceof AppError)) throw err;
  return err;
}

export async function codeOf(promise: Promise<unknown>): Promise<string> {
  return (await rejection(promise)).code;
}

/** Unique per test run, so suites sharing a Redis or a database never see each other's keys. */
export function runId(): string {
  return randomBytes(4).toString('hex');
}

/** Runs `count` calls spread over the given functions at once; counts successes and failure codes. */
export async function race(
  count: number,
  attempts: Array<() => Promise<unknown>>,
): Promise<{ ok: number; codes: Record<string, number> }> {
  const results = await Promise.allSettled(
    Array.from({ length: count }, (_, i) => attempts[i % attempts.length]!()),
  );
  const codes: Record<string, number> = {};
  let ok = 0;
  for (const r of results) {
    if (r.status === 'fulfilled') ok++;
    else {
      const code = r.reason instanceof AppError ? r.reason.code : String(r.reason);
      codes[code] = (codes[code] ?? 0) + 1;
    }
  }
  return { ok, codes };
}
