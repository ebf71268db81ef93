import type { Hono } from 'hono';
import {
  type BindingGuard,
  clientIpMiddleware,
  clientIpResolverFromConfig,
  createSessionGuard,
  createValidationModes,
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
  ping,
} from '../db/index.js';
import { createApp, type ReadinessCheck } from '../http/index.js';
import type { Logger } from '../log/logger.js';
import { createApiReferenceRoutes, createBridgeRoutes } from '../resources/index.js';
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
  tokens: TrustTokenService;
  /** Closes in dependency order: auth, cache, database. */
  close(): Promise<void>;
}

/**
 * Builds the services. Nothing listens here; the database connects on first query and Redis
 * connects in the background (a request never waits for it).
 */
export async function createServices(config: Config, logger: Logger): Promise<Services> {
  const database = createDatabase({ ...databaseOptionsFromConfig(config), logger });
  const cache = createCacheRuntime(cacheRuntimeOptionsFromConfig(config, logger));
  // The guard's `invalidate` action needs the validator, and the validator runs the guard.
  let auth: AuthService | undefined;
  const guard = createSessionGuard({
    modes: createValidationModes(validationModeOptionsFromConfig(config)),
    cache,
    validator: {
      invalidate: (id) => auth!.validator.invalidate(id),
      logoutAtFlowless: (id) => auth!.validator.logoutAtFlowless(id),
    },
    logger,
  });
  auth = createAuth({ ...authOptionsFromConfig(config, { cache, db: database.db, logger }), guard });
  const tokens = createTrustTokenService(
    await trustTokenOptionsFromConfig(config, { redis: cache.redis, db: database.db, logger }),
  );
  return {
    config,
    logger,
    database,
    cache,
    auth,
    guard,
    tokens,
    async close() {
      await auth!.close();
      await cache.close();
      await database.close();
    },
  };
}

/** Applies every pending migration (several instances starting at once are safe). */
export async function migrate(services: Services): Promise<string[]> {
  const result = await migrateUp(createMigrator(services.database.db, allMigrations()));
  if (!result.ok) throw new Error(`migration ${result.failed ?? '(migrator)'} failed`);
  return result.done;
}

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
    services.auth.readinessCheck(),
  ];
}

/** The starter's HTTP application: the shell, auth context, and the routes. Does not listen. */
export function buildApp(services: Services): Hono {
  const { config, logger } = services;
  const app = createApp({ config, logger, readiness: readiness(services) });
  app.use('*', clientIpMiddleware(clientIpResolverFromConfig(config)));
  app.use('*', authContext(services.auth));
  const repos = createAppRepositories(services.database.db);
  app.route('/', createAuthRoutes(services.auth));
  app.route('/', meRoutes());
  app.route('/', itemRoutes(repos));
  app.route('/', organizationRoutes(repos, services.tokens));
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
      document: () => starterOpenApiDocument({ version: APP_VERSION, basePath: bridge.basePath, docs }),
      docsPath: docs ? '/docs' : false,
      title: 'Flowfull API reference',
    }),
  );
  return app;
}
