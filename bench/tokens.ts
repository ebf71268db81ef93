/**
 * Trust-token benchmark: our issue/verify against the `paseto` library alone, in the same process
 * and the same run, interleaved round by round so that machine noise hits both sides alike.
 *
 *   npx tsx bench/tokens.ts            (BENCH_ROUNDS=30, BENCH_BATCH=200 by default)
 *
 * The last line is one JSON object:
 *   issue_per_s, verify_per_s                 our service (v4.public; verify with every check, memory state)
 *   raw_sign_per_s, raw_verify_per_s          the library's Sign / Verify of the same claims and token
 *   verify_overhead_ratio                     median over rounds of (our verify time / raw verify time)
 *   verify_consume_redis_per_s                consume() (verify + atomic SET NX) on the Redis store
 * Every figure is sequential (one operation in flight), the latency a single request sees.
 */
import os from 'node:os';
import { Redis } from 'ioredis';
import { PAE, PublicProtocol } from 'paseto';
import { SignFactory, VerifyFactory } from 'paseto/v4/public';
import {
  createEphemeralTokenKeys,
  createMemoryTokenStore,
  createRedisTokenStore,
  createTrustTokenService,
  type TokenKeys,
  type TrustTokenService,
} from '../src/tokens/index.js';
import { deleteMatching } from '../test/support/redis.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 30);
const BATCH = Number(process.env.BENCH_BATCH ?? 200);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const LIFETIMES = {
  invitation: 604800,
  email_verification: 86400,
  password_reset: 3600,
  api_access: 2592000,
};
const utf8 = (s: string) => new TextEncoder().encode(s);

function service(keys: TokenKeys, store = createMemoryTokenStore()): TrustTokenService {
  return createTrustTokenService({
    keys,
    issuer: 'flowfull',
    audience: 'flowfull',
    clockSkewSeconds: 60,
    lifetimes: LIFETIMES,
    maxLength: 8192,
    store,
  });
}

async function timed(n: number, op: (i: number) => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await op(i);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** Runs the pairs interleaved, alternating which goes first; returns total ms per side and per-round ratios. */
async function interleaved(ours: () => Promise<unknown>, raw: () => Promise<unknown>) {
  let oursMs = 0;
  let rawMs = 0;
  const ratios: number[] = [];
  await timed(BATCH * 2, ours);
  await timed(BATCH * 2, raw);
  for (let r = 0; r < ROUNDS; r++) {
    const first = r % 2 === 0;
    const a = first ? await timed(BATCH, ours) : 0;
    const b = await timed(BATCH, raw);
    const c = first ? a : await timed(BATCH, ours);
    oursMs += c;
    rawMs += b;
    ratios.push(c / b);
  }
  const n = ROUNDS * BATCH;
  return { oursPerS: (n / oursMs) * 1000, rawPerS: (n / rawMs) * 1000, ratio: median(ratios) };
}

async function redisConsume(keys: TokenKeys): Promise<number | null> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await redis.connect();
  } catch {
    console.log(`redis: not reachable at ${REDIS_URL}; verify_consume_redis_per_s is null`);
    redis.disconnect();
    return null;
  }
  const prefix = `bench:tokens:${process.pid}:`;
  const svc = service(keys, createRedisTokenStore(redis, { prefix }));
  const n = ROUNDS * BATCH;
  const tokens: string[] = [];
  for (let i = 0; i < n + BATCH; i++) tokens.push((await svc.issue('invitation', { sub: `u${i}` })).token);
  await timed(BATCH, (i) => svc.consume(tokens[n + i]!, { type: 'invitation' }));
  const ms = await timed(n, (i) => svc.consume(tokens[i]!, { type: 'invitation' }));
  await deleteMatching(redis, [`${prefix}*`]);
  redis.disconnect();
  return (n / ms) * 1000;
}

async function main() {
  const cpus = os.cpus();
  console.log(
    `machine: ${cpus[0]?.model ?? 'unknown'} x${cpus.length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ` +
      `node ${process.version}, load ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
  );
  console.log(`rounds: ${ROUNDS} x ${BATCH} operations per side, interleaved`);

  const keys = await createEphemeralTokenKeys();
  const svc = service(keys);
  const lib = new PublicProtocol(SignFactory, VerifyFactory);
  const publicKey = keys.verifying.get(keys.signing.id)!;
  const claims = { sub: 'user-1', org: 'acme' };
  const issued = await svc.issue('invitation', claims);
  const expectation = { type: 'invitation' };

  // The library alone, given exactly what our service gives it: same claims shape, footer, assertion.
  const footer = utf8(JSON.stringify({ kid: keys.signing.id }));
  const implicitAssertion = PAE([utf8('flowfull.trust-token.v1'), utf8('invitation'), new Uint8Array()]);
  const payload = Buffer.from(issued.token.split('.')[2]!, 'base64url').subarray(0, -64).toString();
  const rawClaims = JSON.parse(payload);
  const rawToken = await lib.Sign(keys.signing.key, rawClaims, { footer, implicitAssertion });
  await lib.Verify(publicKey, issued.token, { implicitAssertion });

  const sign = await interleaved(
    () => svc.issue('invitation', claims),
    () => lib.Sign(keys.signing.key, rawClaims, { footer, implicitAssertion }),
  );
  console.log(
    `issue:  ours ${sign.oursPerS.toFixed(0)}/s, library Sign ${sign.rawPerS.toFixed(0)}/s, ratio ${sign.ratio.toFixed(3)}`,
  );
  const verify = await interleaved(
    () => svc.verify(issued.token, expectation),
    () => lib.Verify(publicKey, rawToken, { implicitAssertion }),
  );
  console.log(
    `verify: ours ${verify.oursPerS.toFixed(0)}/s, library Verify ${verify.rawPerS.toFixed(0)}/s, ` +
      `median time ratio ${verify.ratio.toFixed(3)} (target <= 1.2)`,
  );
  const consume = await redisConsume(keys);
  if (consume !== null) console.log(`consume on Redis (verify + SET NX): ${consume.toFixed(0)}/s`);

  console.log(
    JSON.stringify({
      issue_per_s: Math.round(sign.oursPerS),
      verify_per_s: Math.round(verify.oursPerS),
      raw_sign_per_s: Math.round(sign.rawPerS),
      raw_verify_per_s: Math.round(verify.rawPerS),
      verify_overhead_ratio: Number(verify.ratio.toFixed(3)),
      verify_consume_redis_per_s: consume === null ? null : Math.round(consume),
    }),
  );
}

await main();
