import { ConfigError, maskUrl } from '../config/index.js';
import { FlowfullConfigError, isAppError } from '../errors.js';

/** Errors whose code and message are safe to print as they are (no password, no secret). */
function isCoded(error: unknown): error is { code: string; message: string; cause?: unknown } {
  return isAppError(error) || error instanceof FlowfullConfigError;
}

import { TokenKeyError } from '../tokens/index.js';

/**
 * One or two lines that say why start-up (or a CLI command) stopped: the error's code and message,
 * the host and port it was talking to, and the variable to change. Never a stack trace, never a
 * password: driver messages pass through `scrub()` first. `npm start` and `flowfull` print the same.
 */

/** What was being done when the error came: names the variable that governs it. */
export type StartupStep = 'database' | 'migrations' | 'listen' | 'standin' | 'tokens' | 'redis';

export class StartupFailure extends Error {
  constructor(
    readonly step: StartupStep,
    override readonly cause: unknown,
    /** The settings in force, for the host, port and variable named in the text. */
    readonly context: FailureContext = {},
  ) {
    super(`start-up failed at ${step}`);
    this.name = 'StartupFailure';
  }
}

export interface FailureContext {
  databaseUrl?: string;
  port?: number;
  host?: string;
  standinPort?: number;
}

/** Runs one start-up step; an error comes out as a StartupFailure naming the step. */
export async function step<T>(
  name: StartupStep,
  context: FailureContext,
  body: () => Promise<T>,
): Promise<T> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof StartupFailure || error instanceof ConfigError) throw error;
    throw new StartupFailure(name, error, context);
  }
}

interface DriverError {
  name?: string;
  message?: string;
  code?: string | number;
  errno?: number;
  address?: string;
  port?: number;
  sqlMessage?: string;
}

/** host:port of a server URL, or the file of an SQLite URL; never the user or password. */
export function databaseLocation(raw: string | undefined): string {
  if (!raw) return 'the database';
  const trimmed = raw.trim();
  if (/^(file|sqlite):/i.test(trimmed) || trimmed === ':memory:') return trimmed.replace(/\?.*$/, '');
  try {
    const url = new URL(trimmed);
    const defaults: Record<string, string> = {
      'postgres:': '5432',
      'postgresql:': '5432',
      'mysql:': '3306',
      'mariadb:': '3306',
    };
    const port = url.port || defaults[url.protocol] || '';
    const db = url.pathname.replace(/^\//, '');
    return `${url.hostname}${port ? `:${port}` : ''}${db ? `, database ${JSON.stringify(decodeURIComponent(db))}` : ''}`;
  } catch {
    return 'the database';
  }
}

/** Removes anything that could carry a credential from a driver's message. */
function scrub(message: string, databaseUrl: string | undefined): string {
  let text = message.replace(/[a-z][a-z0-9+.-]*:\/\/[^\s'"]+/gi, (url) => maskUrl(url));
  if (databaseUrl) {
    try {
      const password = decodeURIComponent(new URL(databaseUrl.trim()).password);
      if (password.length >= 3) text = text.split(password).join('***');
    } catch {
      // not a URL with a password
    }
  }
  return text.split('\n')[0]!.slice(0, 300);
}

function codeOf(e: DriverError): string | undefined {
  if (typeof e.code === 'string' && e.code !== '') return e.code;
  if (typeof e.code === 'number' || typeof e.errno === 'number') return String(e.code ?? e.errno);
  return undefined;
}

function head(e: DriverError, message: string): string {
  const code = codeOf(e);
  return code ? `${code}: ${message}` : `${e.name ?? 'Error'}: ${message}`;
}

function databaseLines(e: DriverError, context: FailureContext): string[] {
  const where = databaseLocation(context.databaseUrl);
  const code = codeOf(e);
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ETIMEDOUT' || code === 'EHOSTUNREACH')
    return [`${code}: cannot reach the database at ${where}`, 'Start it, or change DATABASE_URL.'];
  const message = scrub(e.sqlMessage ?? e.message ?? 'unknown error', context.databaseUrl);
  return [`${head(e, message)} (at ${where})`, 'Check DATABASE_URL (and DATABASE_TYPE / DATABASE_SSL).'];
}

function listenLines(e: DriverError, context: FailureContext, variable: string, port?: number): string[] {
  const code = codeOf(e);
  const at = `${context.host ?? '0.0.0.0'}:${e.port ?? port ?? '?'}`;
  if (code === 'EADDRINUSE')
    return [
      `EADDRINUSE: port ${e.port ?? port} is already in use (${at})`,
      `Stop the other process or set ${variable} to a free port.`,
    ];
  if (code === 'EACCES')
    return [`EACCES: not allowed to listen on ${at}`, `Set ${variable} to a port above 1023 (or HOST).`];
  return [
    `${head(e, scrub(e.message ?? 'unknown error', undefined))} (listening on ${at})`,
    `Check ${variable} and HOST.`,
  ];
}

/** The lines printed for a failed start-up or CLI command. */
export function describeFailure(error: unknown): string[] {
  if (error instanceof ConfigError) return error.report().split('\n');
  const failure = error instanceof StartupFailure ? error : undefined;
  const cause = (failure ? failure.cause : error) as DriverError;
  const context = failure?.context ?? {};
  if (cause instanceof TokenKeyError) {
    const variable = /^[A-Z_]+/.exec(cause.message)?.[0] ?? 'PASETO_SECRET_KEY';
    return [
      `TOKEN_KEY_INVALID: ${cause.message}`,
      `Change ${variable} (\`flowfull keys generate\` prints valid keys).`,
    ];
  }
  if (isCoded(cause) && !failure) return [`${cause.code}: ${cause.message}`];
  switch (failure?.step) {
    case 'database':
      return isCoded(cause)
        ? [`${cause.code}: ${cause.message}`, 'Check DATABASE_URL.']
        : databaseLines(cause, context);
    case 'migrations':
      if (isCoded(cause))
        return [
          `${cause.code}: ${scrub(cause.message, context.databaseUrl)} (at ${databaseLocation(context.databaseUrl)})`,
          'See `npx flowfull migrate status`; check DATABASE_URL.',
        ];
      return databaseLines(cause, context);
    case 'listen':
      return listenLines(cause, context, 'PORT', context.port);
    case 'standin': {
      // The stand-in wraps its listen error; the socket's own error carries the code and port.
      const inner = isAppError(cause) && cause.cause ? (cause.cause as DriverError) : cause;
      return listenLines(
        { ...inner, message: inner.message },
        { ...context, host: '127.0.0.1' },
        'FLOWLESS_STANDIN_PORT',
        context.standinPort,
      );
    }
    case 'redis':
      return [`${head(cause, scrub(cause.message ?? 'unknown error', undefined))}`, 'Check REDIS_URL.'];
    default:
      if (isCoded(cause)) return [`${cause.code}: ${cause.message}`];
      return [head(cause, scrub(cause?.message ?? String(cause), context.databaseUrl))];
  }
}
