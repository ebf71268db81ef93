/**
 * `flowfull/auth`: bridge validation of Flowless sessions, the auth middleware, route permissions,
 * user sync and the validation modes (session binding). A curated list: parsers, normalisers and
 * error constructors used inside src/auth stay out of the public API.
 */

// Validation modes and client addresses
export {
  type ClientIpResolver,
  type ClientIpResolverOptions,
  clientIpMiddleware,
  createClientIpResolver,
  currentClientIp,
  type TrustProxy,
} from '../auth/binding/client-ip.js';
export { clientIpResolverFromConfig, validationModeOptionsFromConfig } from '../auth/binding/config.js';
export {
  type BindingGuard,
  type CreateSessionGuardOptions,
  createSessionGuard,
  type SessionTerminator,
  type ViolationEvent,
} from '../auth/binding/guard.js';
export type { BindingMetrics } from '../auth/binding/metrics.js';
export {
  createValidationModes,
  MODE_CHECKS,
  MODE_DEFAULT_ACTION,
  type SecurityViolation,
  type Severity,
  type ValidationAction,
  type ValidationModeOptions,
  type ValidationModeSettings,
  type ValidationModes,
  type ValidationResult,
  VIOLATION_CODES,
  VIOLATION_TYPES,
  type ViolationType,
} from '../auth/binding/modes.js';
export { AUTH_MESSAGES, isSessionRejection } from '../auth/errors.js';
export type { RequestFacts, SessionTransport } from '../auth/flowless-client.js';
export type { ValidatorMetrics } from '../auth/metrics.js';
export {
  authenticate,
  authenticateOptional,
  type OptionalAuthOptions,
  optionalAuth,
  requireAuth,
  requireUserType,
} from '../auth/middleware.js';
export {
  type RoutePermission,
  type RoutePermissions,
  type RoutePermissionsOptions,
  routePermissions,
} from '../auth/permissions.js';
export { createAuthRoutes } from '../auth/routes.js';
export {
  type AuthDependencies,
  type AuthMetrics,
  type AuthOptions,
  type AuthService,
  authContext,
  authOptionsFromConfig,
  createAuth,
} from '../auth/service.js';
export {
  extractSessionId,
  isWellFormedSessionId,
  MAX_SESSION_ID_LENGTH,
  type SessionExtractionOptions,
} from '../auth/session-id.js';
export type { Session, SessionGuard } from '../auth/types.js';
export {
  authMigrations,
  createUserSync,
  type UserSync,
  type UserSyncMetrics,
  type UserSyncOptions,
  usersTableMigration,
} from '../auth/user-sync.js';
export { BridgeValidator, type BridgeValidatorOptions } from '../auth/validator.js';
