/** The cache's test support, for the `flowfull/testing` entry only (it loads vitest). */
export {
  type CacheContractHooks,
  type CacheContractRuntimeOptions,
  type CacheRuntimeFactory,
  runCacheContractSuite,
} from './contract.js';
