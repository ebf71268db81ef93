// Loaded by bench/cache.ts: bare imports from this folder resolve to bench/vendor/node_modules,
// so the comparison libraries never mix with the root dependencies.
export async function loadVendors() {
  const [bentocache, memory, redis, cacheManager, keyv, keyvRedis] = await Promise.all([
    import('bentocache'),
    import('bentocache/drivers/memory'),
    import('bentocache/drivers/redis'),
    import('cache-manager'),
    import('keyv'),
    import('@keyv/redis'),
  ]);
  return {
    BentoCache: bentocache.BentoCache,
    bentostore: bentocache.bentostore,
    memoryDriver: memory.memoryDriver,
    redisDriver: redis.redisDriver,
    createCache: cacheManager.createCache,
    Keyv: keyv.Keyv,
    createKeyvRedis: keyvRedis.createKeyv,
  };
}
