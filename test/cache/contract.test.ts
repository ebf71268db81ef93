import { describe } from 'vitest';
import { createCacheRuntime } from '../../src/cache/index.js';
import { runCacheContractSuite } from '../../src/cache/testing/index.js';
import { SERVICE_URLS, serviceAvailable } from '../support/services.js';
import { deletePrefixes } from './helpers.js';

/**
 * One contract, two set-ups: L1 alone, and L1 + L2 on the real Redis. The suite itself is exported
 * (src/cache/testing) so that users run it against their own Redis or shared connection.
 */
const redisUp = await serviceAvailable('redis');

runCacheContractSuite('L1 only', (options) => createCacheRuntime(options));

describe.skipIf(!redisUp)('with Redis', () => {
  runCacheContractSuite(
    'L1 + L2 (Redis)',
    (options) => createCacheRuntime({ ...options, redisUrl: SERVICE_URLS.redis }),
    { cleanup: (prefixes) => deletePrefixes(SERVICE_URLS.redis, prefixes) },
  );
});
