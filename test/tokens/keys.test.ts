import { inspect } from 'node:util';
import { parse as parseDotenv } from 'dotenv';
import { describe, expect, it } from 'vitest';
import { type Config, parseConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/log/logger.js';
import {
  createTokenKeys,
  createTrustTokenService,
  generateKeysText,
  generateTokenKeyMaterial,
  loadTokenKeys,
  paserkId,
  TokenKeyError,
  trustTokenOptionsFromConfig,
} from '../../src/tokens/index.js';
import { captureLogger } from '../support/log-capture.js';

function configFrom(env: Record<string, string>): Config {
  const { config, issues } = parseConfig(env);
  if (!config) throw new Error(JSON.stringify(issues));
  return config;
}

/** The base64url body of a PASERK: what must never appear in a log line or an error message. */
const body = (paserk: string) => paserk.split('.').slice(2).join('.');

describe('flowfull keys generate', () => {
  it('prints a fresh pair and local key as PASERK lines the config accepts', async () => {
    const text = await generateKeysText(new Date('2026-11-27T00:00:00Z'));
    const env = parseDotenv(text);
    expect(env.PASETO_SECRET_KEY).toMatch(/^k4\.secret\.[A-Za-z0-9_-]{86}$/);
    expect(env.PASETO_PUBLIC_KEYS).toMatch(/^k4\.public\.[A-Za-z0-9_-]{43}$/);
    expect(env.PASETO_LOCAL_KEY).toMatch(/^k4\.local\.[A-Za-z0-9_-]{43}$/);
    expect(text).toContain(
      `Signing key id (public, appears in token footers): ${paserkId('pid', env.PASETO_PUBLIC_KEYS!)}`,
    );

    const config = configFrom({ ...env, NODE_ENV: 'development' });
    const keys = await loadTokenKeys(config, silentLogger());
    expect(keys.ephemeral).toBe(false);
    expect(keys.signing.id).toBe(paserkId('pid', env.PASETO_PUBLIC_KEYS!));
    expect([...keys.verifying.keys()]).toEqual([keys.signing.id]);
    expect(keys.local?.id).toBe(paserkId('lid', env.PASETO_LOCAL_KEY!));
  });

  it('generates a different pair every time', async () => {
    const [a, b] = await Promise.all([generateTokenKeyMaterial(), generateTokenKeyMaterial()]);
    expect(a.secretKey).not.toBe(b.secretKey);
    expect(a.localKey).not.toBe(b.localKey);
  });
});

describe('loadTokenKeys', () => {
  it('outside production without PASETO_SECRET_KEY: an ephemeral key and one warning with its public id only', async () => {
    const { logger, lines } = captureLogger();
    const keys = await loadTokenKeys(configFrom({ NODE_ENV: 'development' }), logger);
    expect(keys.ephemeral).toBe(true);
    expect(keys.local).toBeDefined();
    const logged = lines().map((l) => JSON.parse(l));
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ level: 40, keyId: keys.signing.id });
    expect(logged[0].msg).toContain('PASETO_SECRET_KEY is not set');
    expect(lines().join('\n')).not.toMatch(/k4\.(secret|local)\./);
  });

  it('in production without PASETO_SECRET_KEY: refuses to start', async () => {
    const config = { ...configFrom({ NODE_ENV: 'development' }), NODE_ENV: 'production' as const };
    await expect(loadTokenKeys(config, silentLogger())).rejects.toThrow(TokenKeyError);
  });

  it('the signing key always verifies; PASETO_PUBLIC_KEYS add more', async () => {
    const a = await generateTokenKeyMaterial();
    const b = await generateTokenKeyMaterial();
    const keys = await createTokenKeys({ secretKey: a.secretKey, publicKeys: [b.publicKey, a.publicKey] });
    expect([...keys.verifying.keys()].sort()).toEqual([a.publicKeyId, b.publicKeyId].sort());
    expect(keys.signing.id).toBe(a.publicKeyId);
  });

  it('refuses unusable keys with the variable and the problem, never the value', async () => {
    const k = await generateTokenKeyMaterial();
    const cases: Array<[Parameters<typeof createTokenKeys>[0], RegExp, string]> = [
      [
        { secretKey: k.publicKey },
        /PASETO_SECRET_KEY must be a k4\.secret PASERK, got a k4\.public/,
        k.publicKey,
      ],
      [
        { secretKey: k.localKey },
        /PASETO_SECRET_KEY must be a k4\.secret PASERK, got a k4\.local/,
        k.localKey,
      ],
      [{ secretKey: 'k4.secret.AAAA' }, /PASETO_SECRET_KEY is not a valid k4\.secret key/, 'AAAA'],
      [{ secretKey: 'hunter2' }, /got something that is not a PASERK/, 'hunter2'],
      [
        { secretKey: k.secretKey, publicKeys: [k.secretKey] },
        /PASETO_PUBLIC_KEYS\[0\] must be a k4\.public PASERK, got a k4\.secret PASERK \(a secret key must never be listed there\)/,
        k.secretKey,
      ],
      [
        { secretKey: k.secretKey, localKey: k.publicKey },
        /PASETO_LOCAL_KEY must be a k4\.local PASERK/,
        k.publicKey,
      ],
    ];
    for (const [input, message, secret] of cases) {
      const err = await createTokenKeys(input).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TokenKeyError);
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message).not.toContain(body(secret) || secret);
      expect(String((err as Error).cause ?? '')).not.toContain(body(secret) || secret);
    }
  });

  it('key objects show no key material when inspected or serialised', async () => {
    const k = await generateTokenKeyMaterial();
    const keys = await createTokenKeys({ secretKey: k.secretKey, localKey: k.localKey });
    const shown = inspect(keys, { depth: 10, showHidden: true }) + JSON.stringify(keys);
    expect(shown).not.toContain(body(k.secretKey).slice(0, 20));
    expect(shown).not.toContain(body(k.localKey).slice(0, 20));
  });
});

describe('trustTokenOptionsFromConfig', () => {
  it('reads lifetimes, issuer, audience, skew and size from the config', async () => {
    const k = await generateTokenKeyMaterial();
    const config = configFrom({
      NODE_ENV: 'test',
      PASETO_SECRET_KEY: k.secretKey,
      TOKEN_ISSUER: 'acme-api',
      TOKEN_AUDIENCE: 'acme-web',
      TOKEN_CLOCK_SKEW: '5',
      TOKEN_TTL_PASSWORD_RESET: '900',
      TOKEN_MAX_LENGTH: '2048',
    });
    const options = await trustTokenOptionsFromConfig(config, {});
    expect(options).toMatchObject({
      issuer: 'acme-api',
      audience: 'acme-web',
      clockSkewSeconds: 5,
      maxLength: 2048,
      lifetimes: { invitation: 604800, email_verification: 86400, password_reset: 900, api_access: 2592000 },
    });
    expect(options.store.kind).toBe('memory');
    const service = createTrustTokenService(options);
    const t = await service.issue('password_reset', { sub: 'u' });
    expect((t.expiresAt.getTime() - t.issuedAt.getTime()) / 1000).toBe(900);
  });

  it('in production, refuses to keep single-use state in process memory', async () => {
    const k = await generateTokenKeyMaterial();
    const config = { ...configFrom({ PASETO_SECRET_KEY: k.secretKey }), NODE_ENV: 'production' as const };
    await expect(trustTokenOptionsFromConfig(config, {})).rejects.toThrow(/Redis or a database/);
  });

  it('no token, jti or key reaches the logs while tokens are issued, verified, consumed and revoked', async () => {
    const k = await generateTokenKeyMaterial();
    const { logger, text } = captureLogger('trace');
    const config = configFrom({
      NODE_ENV: 'test',
      PASETO_SECRET_KEY: k.secretKey,
      PASETO_LOCAL_KEY: k.localKey,
    });
    const service = createTrustTokenService(await trustTokenOptionsFromConfig(config, { logger }));
    const issued = await service.issue('invitation', { sub: 'alice@example.com' }, { purpose: 'local' });
    await service.consume(issued.token, { type: 'invitation' });
    await service.consume(issued.token, { type: 'invitation' }).catch(() => undefined);
    await service.revoke(issued.jti);
    await service.revokeAllFor('alice@example.com');
    const logs = text();
    expect(logs).toContain('trust token consumed');
    for (const secret of [
      issued.token,
      issued.jti,
      body(k.secretKey),
      body(k.localKey),
      'alice@example.com',
    ]) {
      expect(logs).not.toContain(secret);
    }
  });
});
