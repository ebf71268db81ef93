/**
 * The local Flowless stand-in: a small, real HTTP server speaking Flowless's routes
 * (protocol sections 2 and 3) for development and tests, with fault injection. Never in production.
 */
export {
  assertNotProduction,
  createStandinApp,
  DEFAULT_SESSION_TTL_SECONDS,
  type StandinApp,
} from './app.js';
export {
  type DevelopmentStandin,
  type DevelopmentStandinConfig,
  standinDatabasePath,
  startDevelopmentStandin,
} from './dev.js';
export { noFaults } from './faults.js';
export { startFlowlessStandin } from './server.js';
export { hashSessionId } from './store.js';
export {
  type CreateUserInput,
  type FaultRoute,
  type FlowlessStandin,
  RESPONSE_STYLES,
  type RecordedBridgeRequest,
  type ResponseStyle,
  type SessionBinding,
  type StandinControls,
  type StandinFaults,
  type StandinOptions,
  type StandinStats,
  type StandinUser,
} from './types.js';
