import type { Hono } from 'hono';
import {
  type BindingGuard,
  clientIpMiddleware,
  clientIpResolverFromConfig,
  createSessionGuard,
  createValidationModes,
  currentClientIp,
  validationModeOptionsFromConfig,
} from '../auth/binding/index.js';
import {
  type AuthService,
  authContext,
  authOptionsFromConfig,
  createAuth,
  createAuthRoutes,
} from '../auth/index.js';
import { type CacheRuntime, cacheRuntimeOptionsFromConfig, createCacheRuntime } from '../cache/index.js';
import type { Config } from '../config/index.js';
import {
  createDatabase,
  createMigrator,
  type Database,
  databaseOptionsFromConfig,
  migrateUp,
  migrationStatus,
  ping,
} from '../db/index.js';
import { AppError } from '../errors.js';
import { type AuthGateway, createAuthGateway } from '../gateway/index.js';
import { createApp, type ReadinessCheck } from '../http/index.js';
import type { Logger } from '../log/logger.js';
import { createApiReferenceRoutes, createBridgeRoutes } from '../resources/index.js';
import { createMemoryStateStore, createRedisStateStore, type StateStore } from '../state/index.js';
import {
  createTrustTokenService,
  type TrustTokenService,
  trustTokenOptionsFromConfig,
} from '../tokens/index.js';
import { allMigrations } from './migrations-all.js';
import { starterOpenApiDocument } from './openapi.js';
import { createAppRepositories } from './repositories.js';
import { appResources } from './resources.js';
import { itemRoutes } from './routes/items.js';
import { adminRoutes, meRoutes } from './routes/me.js';
import { organizationRoutes } from './routes/organizations.js';
import { recordUsers } from './users.js';

/** Shown in the OpenAPI document. */
const APP_VERSION = '0.1.0';

/** Everything the starter application runs on, built from one Config. */
export interface Services {
  config: Config;
  logger: Logger;
  database: Database;
  cache: CacheRuntime;
  auth: AuthService;
  guard: BindingGuard;
  /** Session bindings, tombstones and activity windows (Redis with REDIS_URL, else memory). */
  state: StateStore;
  tokens: TrustTokenService;
  /** Flowless's auth routes served under AUTH_GATEWAY_PREFIX (absent when turned off or no Flowless URL). */
  gateway: AuthGateway | undefined;
  /** Closes in dependency order: gateway, auth, cache, database. */
  close(): Promise<void>;
}

/**
 * Builds the services. Nothing listens here; the database connects on first query and Redis
 * connects in the background (a request never waits for it).
 */
export async function createServices(config: Config, logger: Logger): Promise<Services> {
  const database = createDatabase({ ...databaseOptionsFromConfig(config), logger });
  const cache = createCacheRuntime(cacheRuntimeOptionsFromConfig(config, logger));
  const state = securityStateStore(cache, config, logger);
  const modes = createValidationModes(validationModeOptionsFromConfig(config));
  // The one place the guard meets the validator: createAuth hands it over when it builds the guard.
  const auth = createAuth({
    ...authOptionsFromConfig(config, { cache, db: database.db, logger }),
    guard: (validator) =>
      createSessionGuard({
        modes,
        store: state,
        validator,
        logger,
        localMaxSessions: config.AUTH_LOCAL_MAX_SESSIONS,
      }),
  });
  const guard = auth.guard!;
  const tokens = createTrustTokenService(
    await trustTokenOptionsFromConfig(config, {
      redis: cache.redis,
      ...(cache.gate ? { gate: cache.gate } : {}),
      db: database.db,
      logger,
    }),
  );
  const gateway = authGateway(config, auth, logger);
  return {
    config,
    logger,
    database,
    cache,
    auth,
    guard,
    state,
    tokens,
    gateway,
    async close() {
      gateway?.close();
      await auth.close();
      await cache.close();
      await database.close();
    },
  };
}

/**
 * The auth gateway: a Pubflow client configured with Flowfull's URL alone logs in, registers, logs out
 * and validates through it. What passes through it keeps this instance and every other coherent: a
 * logout (or a refresh that replaces the id, or a 401 from /validation) evicts the session everywhere
 * before the answer leaves; a password or 2FA change evicts the caller's cached copy (the other
 * sessions of the user come through Flowless's revocation hook).
 */
function authGateway(config: Config, auth: AuthService, logger: Logger): AuthGateway | undefined {
  if (!config.AUTH_GATEWAY_ENABLED || config.FLOWLESS_API_URL === undefined) return undefined;
  return createAuthGateway({
    upstreamUrl: config.FLOWLESS_API_URL,
    prefix: config.AUTH_GATEWAY_PREFIX,
    timeoutMs: config.FLOWLESS_TIMEOUT_MS,
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    production: config.NODE_ENV === 'production',
    clientIp: currentClientIp,
    // The one-credential rules hold here as everywhere: two different ids are refused before Flowless.
    sessionIdOf: (c) => auth.sessionIdOf(c),
    onSessionEnded: (ids) => auth.validator.invalidate(ids),
    onSessionChanged: (id) => (id === undefined ? undefined : auth.validator.invalidate(id)),
    logger: logger.child({ component: 'gateway' }),
  });
}

/**
 * Session bindings, tombstones and activity windows: in Redis when REDIS_URL is set (the authority
 * every instance asks), else in this process's memory (one instance only; said once in the log).
 */
function securityStateStore(cache: CacheRuntime, config: Config, logger: Logger): StateStore {
  if (cache.redis !== undefined) {
    return createRedisStateStore(cache.redis, {
      // Beside the cache's keys, under the same CACHE_PREFIX: two apps sharing a Redis stay apart.
      prefix: `${config.CACHE_PREFIX}:state:`,
      // One breaker per connection: the cache's link decides for the store too (a freeze costs one timeout).
      ...(cache.gate ? { gate: cache.gate } : {}),
      onBreakerChange: (state) =>
        state === 'open'
          ? logger.warn('security state: Redis breaker open, guarded requests get 503 until it answers')
          : logger.info('security state: Redis answers again'),
    });
  }
  logger.info('security state: REDIS_URL not set; bindings and tombstones are kept in this instance only');
  return createMemoryStateStore({ maxEntries: config.STATE_MEMORY_MAX_ENTRIES });
}

/** Applies every pending migration (several instances starting at once are safe). */
export async function migrate(services: Services): Promise<string[]> {
  const result = await migrateUp(createMigrator(services.database.db, allMigrations()));
  if (!result.ok)
    throw new AppError(
      'MIGRATION_FAILED',
      `migration ${result.failed ?? '(migrator)'} failed: ${result.error}`,
    );
  return result.done;
}

/** Migrations the code has and the database has not applied yet, by name. */
export async function pendingMigrations(services: Services): Promise<string[]> {
  return (await migrationStatus(createMigrator(services.database.db, allMigrations()))).pending;
}

/**
 * Until every migration is applied, routes would fail on missing tables: not ready, naming them.
 * Once none is pending the answer is kept for a while: this process's code gains no migrations.
 */
function migrationsCheck(services: Services): ReadinessCheck {
  let allAppliedAt = Number.NEGATIVE_INFINITY;
  return {
    name: 'migrations',
    check: async () => {
      if (Date.now() - allAppliedAt < MIGRATIONS_UP_TTL_MS) return { status: 'up' };
      const pending = await pendingMigrations(services);
      if (pending.length) return { status: 'down', pending };
      allAppliedAt = Date.now();
      return { status: 'up' };
    },
  };
}
const MIGRATIONS_UP_TTL_MS = 30_000;

function readiness(services: Services): ReadinessCheck[] {
  return [
    {
      name: 'database',
      check: async () => {
        const r = await ping(services.database.db, { timeoutMs: 1000 });
        return r.ok ? { status: 'up', latencyMs: r.latencyMs } : { status: 'down', reason: r.error };
      },
    },
    {
      name: 'redis',
      critical: false,
      check: async () => {
        const h = services.cache.health();
        const status = h.redis === 'not_configured' ? 'disabled' : h.status === 'up' ? 'up' : 'degraded';
        return { status, redis: h.redis, breaker: h.breaker };
      },
    },
    migrationsCheck(services),
    services.auth.readinessCheck(),
    {
      // Not critical: the Redis is shared, so taking this instance out of rotation would not help.
      name: 'security-state',
      critical: false,
      check: async () => ({
        status: services.state.usable() ? 'up' : 'down',
        store: services.state.kind,
      }),
    },
  ];
}

/** The starter's HTTP application: the shell, auth context, and the routes. Does not listen. */
export function buildApp(services: Services): Hono {
  const { config, logger } = services;
  const app = createApp({
    config,
    logger,
    readiness: readiness(services),
    csrf: { cookieName: config.AUTH_SESSION_COOKIE },
  });
  app.use('*', clientIpMiddleware(clientIpResolverFromConfig(config)));
  app.use('*', authContext(services.auth));
  if (services.gateway) app.route('/', services.gateway.app);
  app.use('/api/*', recordUsers(services.database.db, logger));
  const repos = createAppRepositories(services.database.db);
  app.route('/', createAuthRoutes(services.auth));
  app.route('/', meRoutes());
  app.route('/', itemRoutes(repos));
  app.route(
    '/',
    organizationRoutes(repos, services.tokens, services.database.db, {
      requireVerifiedEmail: config.INVITATIONS_REQUIRE_VERIFIED_EMAIL,
      logger,
    }),
  );
  app.route('/', adminRoutes(services.database.db));
  // The Bridge API of the resources (`/bridge/{entity}`), and their reference (the page in development only).
  const bridge = createBridgeRoutes({
    db: services.database.db,
    resources: appResources,
    cache: services.cache,
  });
  app.route('/', bridge.app);
  const docs = config.NODE_ENV !== 'production';
  app.route(
    '/',
    createApiReferenceRoutes({
      document: () =>
        starterOpenApiDocument({
          version: APP_VERSION,
          basePath: bridge.basePath,
          docs,
          ...(services.gateway ? { gatewayPrefix: config.AUTH_GATEWAY_PREFIX } : {}),
        }),
      docsPath: docs ? '/docs' : false,
      title: 'Flowfull API reference',
    }),
  );
  return app;
}
