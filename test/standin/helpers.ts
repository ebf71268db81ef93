import { afterEach } from 'vitest';
import { type FlowlessStandin, type StandinOptions, startFlowlessStandin } from '../../src/standin/index.js';
import { parseJsonOrUndefined } from '../support/http.js';

export const SECRET = 'standin-test-secret-0123456789abcdef';
export const PASSWORD = 'correct horse battery';

/** Starts stand-ins that are closed after each test. */
export function useStandins() {
  const started: FlowlessStandin[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((s) => s.close()));
  });
  return async (options: Partial<StandinOptions> = {}) => {
    const standin = await startFlowlessStandin({ bridgeSecret: SECRET, nodeEnv: 'test', ...options });
    started.push(standin);
    return standin;
  };
}

export interface Answer {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON
  body: any;
  text: string;
}

export async function call(
  base: string,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string | undefined>; signal?: AbortSignal } = {},
): Promise<Answer> {
  // An undefined value drops a header the caller would otherwise send.
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.headers ?? {}))
    if (value !== undefined) headers[name] = value;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(base + path, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: options.signal,
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: parseJsonOrUndefined(text), text };
}

export function bridge(
  standin: FlowlessStandin,
  options: {
    body?: unknown;
    headers?: Record<string, string | undefined>;
    query?: string;
    signal?: AbortSignal;
  } = {},
) {
  const path = '/auth/bridge/validate' + (options.query ? `?${options.query}` : '');
  return call(standin.url, 'POST', path, {
    body: options.body ?? {},
    headers: { 'x-bridge-secret': SECRET, ...options.headers },
    signal: options.signal,
  });
}

let counter = 0;
export function uniqueEmail(prefix = 'user'): string {
  counter += 1;
  return `${prefix}${counter}.${Date.now()}@example.test`;
}

/** A user and a live session, made through the helpers (no HTTP). */
export async function userWithSession(standin: FlowlessStandin, binding = {}) {
  const user = await standin.createUser({ email: uniqueEmail(), name: 'Ada', userType: 'admin' });
  const { sessionId, expiresAt } = await standin.createSession(user.id, binding);
  return { user, sessionId, expiresAt };
}
