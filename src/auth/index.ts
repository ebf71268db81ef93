/**
 * Bridge validation (sessions issued by Flowless, validated cache first) and the auth middleware.
 * Validation modes (session binding) live in ./binding and plug in through SessionGuard.
 */

export { secretMatches } from '../util/secret.js';
export { BINDING_DEFAULTS, DEVICE_HEADER, HEADER_LIMITS, VALIDATOR_DEFAULTS } from './defaults.js';
export {
  AUTH_MESSAGES,
  authUnavailable,
  invalidSession,
  isSessionRejection,
  sessionExpired,
  sessionRequired,
  userTypeNotAllowed,
} from './errors.js';
export type { RequestFacts, SessionTransport } from './flowless-client.js';
export type { ValidatorMetrics } from './metrics.js';
export {
  authenticate,
  authenticateOptional,
  type OptionalAuthOptions,
  optionalAuth,
  requireAuth,
  requireUserType,
} from './middleware.js';
export {
  type FailureKind,
  interpretBridgeAnswer,
  normalizeSession,
  type ReportedSession,
  type Verdict,
} from './normalize.js';
export {
  compileRoutePermissions,
  matchRoutePermission,
  type RoutePermission,
  type RoutePermissions,
  type RoutePermissionsOptions,
  routePermissions,
} from './permissions.js';
export { createAuthRoutes, MAX_REVOKED_PER_CALL } from './routes.js';
export {
  type AuthDependencies,
  type AuthMetrics,
  type AuthOptions,
  type AuthService,
  authContext,
  authOptionsFromConfig,
  createAuth,
  type GuardFactory,
} from './service.js';
export {
  extractSessionId,
  isWellFormedSessionId,
  MAX_SESSION_ID_LENGTH,
  type SessionExtractionOptions,
} from './session-id.js';
export type { Session, SessionGuard } from './types.js';
export { okWithUserContext, userContextOf } from './user-context.js';
export {
  authMigrations,
  createUserSync,
  type UserSync,
  type UserSyncMetrics,
  type UserSyncOptions,
  upsertUser,
  usersTableMigration,
} from './user-sync.js';
export { BridgeValidator, type BridgeValidatorOptions, type FactsSource } from './validator.js';
