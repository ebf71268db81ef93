import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * The cache's multi-step Redis operations, each one round trip and atomic. Data and tag keys of a
 * namespace are touched from inside the scripts, so these target a standalone Redis (not Cluster).
 */
export interface LuaScript {
  source: string;
  sha: string;
}

function lua(source: string): LuaScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/**
 * KEYS[1] data key, KEYS[2..] tag sets; ARGV: envelope, pttl, channel, bus message ('' = none).
 * A tag set lives as long as its longest-lived member (members that expired meanwhile only cost a no-op
 * delete at invalidation).
 */
export const SET_ENTRY = lua(`
local ttl = tonumber(ARGV[2])
redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
for i = 2, #KEYS do
  redis.call('SADD', KEYS[i], KEYS[1])
  if redis.call('PTTL', KEYS[i]) < ttl then redis.call('PEXPIRE', KEYS[i], ttl) end
end
if ARGV[4] ~= '' then redis.call('PUBLISH', ARGV[3], ARGV[4]) end
return 1`);

/** SET_ENTRY unless a live value is there; returns that value's envelope, or false when ours was stored. */
export const SET_IF_ABSENT = lua(`
local old = redis.call('GET', KEYS[1])
if old then
  local ok, env = pcall(cjson.decode, old)
  if ok and type(env) == 'table' and env.a == nil and tonumber(env.e) and tonumber(env.e) > tonumber(ARGV[5]) then
    return old
  end
end
local ttl = tonumber(ARGV[2])
redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
for i = 2, #KEYS do
  redis.call('SADD', KEYS[i], KEYS[1])
  if redis.call('PTTL', KEYS[i]) < ttl then redis.call('PEXPIRE', KEYS[i], ttl) end
end
if ARGV[4] ~= '' then redis.call('PUBLISH', ARGV[3], ARGV[4]) end
return false`);

/** KEYS: data keys; ARGV: channel, bus message. */
export const DELETE_KEYS = lua(`
redis.call('UNLINK', unpack(KEYS))
if ARGV[2] ~= '' then redis.call('PUBLISH', ARGV[1], ARGV[2]) end
return 1`);

/** KEYS[1] tag set; ARGV: channel, bus message. Deletes every member, then the set. */
export const INVALIDATE_TAG = lua(`
local members = redis.call('SMEMBERS', KEYS[1])
for i = 1, #members, 500 do
  redis.call('UNLINK', unpack(members, i, math.min(i + 499, #members)))
end
redis.call('UNLINK', KEYS[1])
if ARGV[2] ~= '' then redis.call('PUBLISH', ARGV[1], ARGV[2]) end
return #members`);

/** EVALSHA, falling back to EVAL once when Redis has not seen the script (first use, or after a restart). */
export async function runScript(
  redis: Redis,
  script: LuaScript,
  keys: string[],
  args: (string | number)[],
): Promise<unknown> {
  try {
    return await redis.evalsha(script.sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return redis.eval(script.source, keys.length, ...keys, ...args);
  }
}
