import { createHash } from 'node:crypto';
import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths pino blanks out wherever they appear in a log object. Secrets never reach a log
 * line: request headers that carry credentials, and any field named like a credential.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-session-id"]',
  'req.headers["x-bridge-secret"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'headers["x-session-id"]',
  'headers["x-bridge-secret"]',
  'session_id',
  'sessionId',
  'token',
  'secret',
  'password',
  '*.session_id',
  '*.sessionId',
  '*.token',
  '*.secret',
  '*.password',
  '*.bridge_secret',
];

export interface CreateLoggerOptions {
  level?: string;
  name?: string;
  /** Where lines go; defaults to stdout. Tests pass a capturing stream. */
  destination?: DestinationStream;
}

export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const pinoOptions: LoggerOptions = {
    level: options.level ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: options.name ? { name: options.name } : undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  const logger = options.destination ? pino(pinoOptions, options.destination) : pino(pinoOptions);
  // Its lines are pino's plain JSON (no formatters, mixin or hooks): see PLAIN_JSON_LINES.
  Object.defineProperty(logger, PLAIN_JSON_LINES, { value: true });
  return logger;
}

/**
 * Set on loggers made by createLogger (and inherited by their children): a line can be written as
 * `{"level":…` + the time fragment + the bindings + fields + `"msg"` straight to the logger's stream,
 * which is what pino itself would write. The access log uses it (src/http/logging.ts).
 */
export const PLAIN_JSON_LINES = Symbol.for('flowfull.log.plainJsonLines');

/** A logger that drops everything (library defaults, tests that do not look at logs). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/**
 * Stable, non-reversible label for a secret-bearing identifier (session id, token jti…),
 * for cache keys and log lines. SHA-256, hex, first 32 chars: enough to correlate, useless to replay.
 */
export function hashId(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 32);
}
