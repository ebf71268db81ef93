/**
 * `flowfull/testing`: what a starter user needs to test their own application and adapters: the
 * local Flowless stand-in (development and tests, never production) and the contract suites, which
 * are vitest suites (vitest is an optional peer dependency, needed only for them).
 */
export {
  type CacheContractHooks,
  type CacheContractRuntimeOptions,
  type CacheRuntimeFactory,
  runCacheContractSuite,
} from '../cache/testing/index.js';
export { type DatabaseContractTarget, databaseContractSuite } from '../db/testing/contract.js';
export type {
  CreateUserInput,
  FaultRoute,
  FlowlessStandin,
  RecordedBridgeRequest,
  ResponseStyle,
  SessionBinding,
  StandinControls,
  StandinFaults,
  StandinOptions,
  StandinStats,
  StandinUser,
} from '../standin/index.js';
export {
  assertNotProduction,
  createStandinApp,
  DEFAULT_SESSION_TTL_SECONDS,
  type DevelopmentStandin,
  type DevelopmentStandinConfig,
  noFaults,
  RESPONSE_STYLES,
  type StandinApp,
  startDevelopmentStandin,
  startFlowlessStandin,
} from '../standin/index.js';
