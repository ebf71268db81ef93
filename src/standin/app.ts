import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { AppError, FlowfullConfigError, isAppError } from '../errors.js';
import { silentLogger } from '../log/logger.js';
import { createAuthRoutes } from './auth-routes.js';
import { createBridgeRoutes } from './bridge-routes.js';
import { createClientContract } from './client-routes.js';
import { createFaultState, type FaultState } from './faults.js';
import { hashPassword } from './passwords.js';
import type { StandinRuntime } from './runtime.js';
import { createStatsRecorder } from './stats.js';
import { openStandinStore } from './store.js';
import { RESPONSE_STYLES, type ResponseStyle, type StandinControls, type StandinOptions } from './types.js';

export const DEFAULT_SESSION_TTL_SECONDS = 7 * 24 * 60 * 60;
const BODY_LIMIT_BYTES = 64 * 1024;

export interface StandinApp {
  /** The routes; `app.request()` works in-process (no socket: sessions get no ip_address). */
  app: Hono;
  controls: StandinControls;
  /** Used by the listening server to apply `refuse`. */
  faults: FaultState;
  /** Frees pending waits (latency, hang) and closes the database. */
  close(): void;
}

/** Throws STANDIN_REFUSED_IN_PRODUCTION: a stand-in with self-service accounts must never face real users. */
export function assertNotProduction(nodeEnv: string | undefined): void {
  if (nodeEnv === 'production')
    throw new FlowfullConfigError(
      'The local Flowless stand-in refuses to run with NODE_ENV=production; set FLOWLESS_API_URL to a real Flowless',
      { code: 'STANDIN_REFUSED_IN_PRODUCTION' },
    );
}

function checkOptions(options: StandinOptions): void {
  assertNotProduction(options.nodeEnv ?? process.env.NODE_ENV);
  if (typeof options.bridgeSecret !== 'string' || options.bridgeSecret === '')
    throw new AppError('VALIDATION_FAILED', 'bridgeSecret is required');
  const ttl = options.sessionTtlSeconds;
  if (ttl !== undefined && !(Number.isInteger(ttl) && ttl > 0))
    throw new AppError('VALIDATION_FAILED', 'sessionTtlSeconds must be a positive integer');
  checkStyle(options.responseStyle ?? 'current');
}

function checkStyle(style: ResponseStyle): void {
  if (!RESPONSE_STYLES.includes(style))
    throw new AppError('VALIDATION_FAILED', `responseStyle must be one of ${RESPONSE_STYLES.join(', ')}`);
}

function createControls(runtime: StandinRuntime): StandinControls {
  const { store, faults, stats } = runtime;
  return {
    setFaults: (partial) => faults.set(partial),
    resetFaults: () => faults.reset(),
    setResponseStyle(style) {
      checkStyle(style);
      runtime.style = style;
    },
    setResponseOverride(extra) {
      runtime.override = extra === null ? null : structuredClone(extra);
    },
    stats: () => stats.snapshot(),
    resetStats: () => stats.reset(),
    async createUser(input) {
      return store.createUser({
        // A-Z only, as Flowfull compares addresses: a Kelvin sign stays one (docs/security.md).
        email: input.email.trim().replace(/[A-Z]/g, (c) => c.toLowerCase()),
        name: input.name ?? input.email.split('@')[0] ?? input.email,
        lastName: input.lastName ?? null,
        userName: input.userName ?? null,
        userType: input.userType ?? 'user',
        verified: input.verified ?? true,
        passwordHash: input.password === undefined ? null : await hashPassword(input.password),
      });
    },
    async createSession(userId, binding = {}) {
      if (!store.findUserById(userId)) throw new AppError('NOT_FOUND', 'No such user');
      const ttl = binding.ttlSeconds ?? runtime.sessionTtlSeconds;
      const { sessionId, expiresAt } = store.createSession(userId, ttl, binding);
      return { sessionId, expiresAt: expiresAt.toISOString() };
    },
    async revokeSession(sessionId) {
      store.revokeSession(sessionId);
    },
    async expireSession(sessionId) {
      store.expireSession(sessionId);
    },
  };
}

function errorBody(err: AppError) {
  const body: Record<string, unknown> = { success: false, error: err.message, code: err.code };
  if (err.details !== undefined) body.details = err.details;
  return body;
}

/** The stand-in's routes without listening. Throws in production (see assertNotProduction). */
export function createStandinApp(options: StandinOptions): StandinApp {
  checkOptions(options);
  const logger = options.logger ?? silentLogger();
  const store = openStandinStore(options.databasePath ?? ':memory:');
  const runtime: StandinRuntime = {
    store,
    bridgeSecret: options.bridgeSecret,
    sessionTtlSeconds: options.sessionTtlSeconds ?? DEFAULT_SESSION_TTL_SECONDS,
    faults: createFaultState(options.faults),
    stats: createStatsRecorder(),
    logger,
    style: options.responseStyle ?? 'current',
    override: null,
  };

  const app = new Hono();
  app.use(
    '*',
    bodyLimit({
      maxSize: BODY_LIMIT_BYTES,
      onError: () => {
        throw new AppError('PAYLOAD_TOO_LARGE', 'Request body too large');
      },
    }),
  );
  const client = createClientContract(runtime, options);
  if (client.cors) app.use('*', client.cors);
  app.get('/health', (c) => c.json({ status: 'ok' }));
  app.use('/auth/logout', client.logoutHook);
  app.route('/auth', client.authRoutes);
  app.route('/dev', client.devRoutes);
  app.route('/auth', createAuthRoutes(runtime));
  app.route('/auth/bridge', createBridgeRoutes(runtime));
  app.notFound((c) => c.json({ success: false, error: 'Not found', code: 'NOT_FOUND' }, 404));
  app.onError((err, c) => {
    if (isAppError(err)) return c.json(errorBody(err), err.status as ContentfulStatusCode);
    // Only the error's class reaches the log: messages of unknown errors may quote input.
    logger.error({ errName: (err as Error)?.name, path: c.req.path }, 'stand-in request failed');
    return c.json({ success: false, error: 'Internal server error', code: 'INTERNAL_ERROR' }, 500);
  });

  return {
    app,
    controls: createControls(runtime),
    faults: runtime.faults,
    close() {
      runtime.faults.shutdown();
      store.close();
    },
  };
}
