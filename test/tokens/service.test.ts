import { describe, expect, it } from 'vitest';
import { AppError, FlowfullConfigError } from '../../src/errors.js';
import {
  createEphemeralTokenKeys,
  createMemoryTokenStore,
  createTokenKeys,
  generateTokenKeyMaterial,
  type TokenStateStore,
} from '../../src/tokens/index.js';
import { captureLogger } from '../support/log-capture.js';
import { codeOf, LIFETIMES, makeService, manualClock, rejection } from './helpers.js';

describe('issue and verify', () => {
  it('issues a v4.public token whose claims carry iss, aud, sub, jti, type and ISO 8601 times', async () => {
    const clock = manualClock();
    const service = await makeService({ now: clock.now });
    const issued = await service.issue('invitation', { sub: 'user-1', org: 'acme', role: 'member' });
    expect(issued.token.startsWith('v4.public.')).toBe(true);
    expect(issued.jti).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(issued.expiresAt.getTime() - issued.issuedAt.getTime()).toBe(LIFETIMES.invitation * 1000);

    const payload = Buffer.from(issued.token.split('.')[2]!, 'base64url').subarray(0, -64).toString();
    const claims = JSON.parse(payload);
    expect(claims).toMatchObject({
      iss: 'flowfull',
      aud: 'flowfull',
      sub: 'user-1',
      jti: issued.jti,
      type: 'invitation',
      iat: '2026-06-01T12:00:00.000Z',
      nbf: '2026-06-01T12:00:00.000Z',
      exp: '2026-06-08T12:00:00.000Z',
      org: 'acme',
    });

    const verified = await service.verify(issued.token, { type: 'invitation' });
    expect(verified).toMatchObject({
      jti: issued.jti,
      type: 'invitation',
      purpose: 'public',
      subject: 'user-1',
      issuer: 'flowfull',
      audience: 'flowfull',
      data: { org: 'acme', role: 'member' },
      footer: {},
    });
    expect(verified.expiresAt).toEqual(issued.expiresAt);
  });

  it('names the signing key in the footer by its k4.pid', async () => {
    const service = await makeService();
    const { token } = await service.issue('email_verification', { sub: 'u' });
    const footer = JSON.parse(Buffer.from(token.split('.')[3]!, 'base64url').toString());
    const verified = await service.verify(token, { type: 'email_verification' });
    expect(footer.kid).toMatch(/^k4\.pid\./);
    expect(verified.keyId).toBe(footer.kid);
  });

  it('each type has its lifetime; ttlSeconds overrides; a custom type needs one', async () => {
    const clock = manualClock();
    const service = await makeService({ now: clock.now });
    const lifetime = async (type: string, ttlSeconds?: number) => {
      const t = await service.issue(type, {}, { ttlSeconds });
      return (t.expiresAt.getTime() - t.issuedAt.getTime()) / 1000;
    };
    expect(await lifetime('invitation')).toBe(7 * 24 * 3600);
    expect(await lifetime('email_verification')).toBe(24 * 3600);
    expect(await lifetime('password_reset')).toBe(3600);
    expect(await lifetime('api_access')).toBe(30 * 24 * 3600);
    expect(await lifetime('password_reset', 600)).toBe(600);
    expect(await lifetime('team_transfer', 900)).toBe(900);
    await expect(service.issue('team_transfer', {})).rejects.toThrow(/no lifetime/);
    expect(await codeOf(service.issue('team_transfer', {}))).toBe('TOKEN_ARGUMENT_INVALID');
    expect(await codeOf(service.issue('invitation', {}, { ttlSeconds: 31 * 24 * 3600 }))).toBe(
      'TOKEN_ARGUMENT_INVALID',
    );
    const custom = await service.issue('team_transfer', {}, { ttlSeconds: 900 });
    expect((await service.verify(custom.token, { type: 'team_transfer' })).type).toBe('team_transfer');
  });

  it('refuses claims that the service sets itself, and bad subjects and types', async () => {
    const service = await makeService();
    for (const name of ['iss', 'aud', 'jti', 'iat', 'nbf', 'exp', 'type']) {
      expect(await codeOf(service.issue('invitation', { [name]: 'x' }))).toBe('TOKEN_ARGUMENT_INVALID');
    }
    const bad = [
      service.issue('invitation', { sub: 'x'.repeat(256) }),
      service.issue('Not A Type', {}, { ttlSeconds: 60 }),
      service.issue('invitation', {}, { footer: { kid: 'mine' } }),
      service.revokeAllFor(''),
    ];
    for (const call of bad) expect(await codeOf(call)).toBe('TOKEN_ARGUMENT_INVALID');
  });

  it('refuses to issue a token it would itself refuse as too large', async () => {
    const service = await makeService({ maxLength: 512 });
    const err = await rejection(service.issue('invitation', { blob: 'x'.repeat(600) }));
    expect(err.code).toBe('TOKEN_TOO_LARGE');
    expect(err.status).toBe(400);
  });
});

describe('time: expiry, not-before and clock skew', () => {
  it('accepts a token within the skew after exp and refuses it beyond', async () => {
    const clock = manualClock();
    const service = await makeService({ now: clock.now, clockSkewSeconds: 60 });
    const { token } = await service.issue('password_reset', { sub: 'u' });
    clock.advance(3600 + 59);
    await expect(service.verify(token, { type: 'password_reset' })).resolves.toBeDefined();
    clock.advance(2);
    expect(await codeOf(service.verify(token, { type: 'password_reset' }))).toBe('TOKEN_EXPIRED');
  });

  it('refuses a token before nbf (beyond the skew) with TOKEN_NOT_YET_VALID', async () => {
    const clock = manualClock();
    const service = await makeService({ now: clock.now, clockSkewSeconds: 30 });
    const notBefore = new Date(clock.now().getTime() + 600_000);
    const { token } = await service.issue('invitation', { sub: 'u' }, { notBefore });
    expect(await codeOf(service.verify(token, { type: 'invitation' }))).toBe('TOKEN_NOT_YET_VALID');
    clock.advance(600 - 29);
    await expect(service.verify(token, { type: 'invitation' })).resolves.toBeDefined();
  });

  it('refuses a token issued in the future by a clock beyond the skew', async () => {
    const ahead = manualClock(new Date('2026-06-01T12:10:00Z'));
    const behind = manualClock(new Date('2026-06-01T12:00:00Z'));
    const keys = await createEphemeralTokenKeys();
    const issuer = await makeService({ keys, now: ahead.now });
    const verifier = await makeService({ keys, now: behind.now, clockSkewSeconds: 60 });
    const { token } = await issuer.issue('invitation', {});
    expect(await codeOf(verifier.verify(token, { type: 'invitation' }))).toBe('TOKEN_NOT_YET_VALID');
  });
});

describe('type, audience, issuer, subject, purpose', () => {
  it('a token of one type cannot pass as another (public: TOKEN_WRONG_TYPE)', async () => {
    const service = await makeService();
    const { token } = await service.issue('email_verification', { sub: 'u' });
    expect(await codeOf(service.verify(token, { type: 'password_reset' }))).toBe('TOKEN_WRONG_TYPE');
    expect(await codeOf(service.consume(token, { type: 'invitation' }))).toBe('TOKEN_WRONG_TYPE');
  });

  it('binds the type through the implicit assertion, not only the claim', async () => {
    // Same claims, same key, different type in the assertion: the signature does not verify.
    const service = await makeService();
    const { token } = await service.issue('invitation', { sub: 'u' });
    const err = await rejection(service.verify(token, { type: 'invitation', implicitAssertion: 'other' }));
    expect(err.code).toBe('TOKEN_INVALID');
  });

  it('checks the audience (configured by default, or any of a list) and the issuer', async () => {
    const service = await makeService();
    const other = await makeService({ audience: 'admin-api' });
    const { token } = await service.issue('api_access', { sub: 'u' }, { audience: 'billing' });
    expect(await codeOf(service.verify(token, { type: 'api_access' }))).toBe('TOKEN_WRONG_AUDIENCE');
    await expect(
      service.verify(token, { type: 'api_access', audience: ['x', 'billing'] }),
    ).resolves.toBeDefined();
    const own = await service.issue('api_access', { sub: 'u' });
    expect(await codeOf(other.verify(own.token, { type: 'api_access' }))).toBe('TOKEN_WRONG_AUDIENCE');
    const foreign = await makeService({ issuer: 'someone-else' });
    expect(await codeOf(foreign.verify(own.token, { type: 'api_access' }))).toBe('TOKEN_WRONG_ISSUER');
  });

  it('checks the subject when asked', async () => {
    const service = await makeService();
    const { token } = await service.issue('password_reset', { sub: 'alice' });
    expect(await codeOf(service.verify(token, { type: 'password_reset', subject: 'bob' }))).toBe(
      'TOKEN_WRONG_SUBJECT',
    );
    await expect(service.verify(token, { type: 'password_reset', subject: 'alice' })).resolves.toBeDefined();
  });

  it('v4.local keeps the claims confidential and round-trips them', async () => {
    const service = await makeService();
    const { token } = await service.issue(
      'password_reset',
      { sub: 'alice', hint: 'secret-ish' },
      { purpose: 'local' },
    );
    expect(token.startsWith('v4.local.')).toBe(true);
    expect(Buffer.from(token.split('.')[2]!, 'base64url').toString('latin1')).not.toContain('secret-ish');
    const verified = await service.verify(token, { type: 'password_reset' });
    expect(verified).toMatchObject({ purpose: 'local', subject: 'alice', data: { hint: 'secret-ish' } });
    expect(verified.keyId).toMatch(/^k4\.lid\./);
    // Encrypted claims: another type cannot be told from a forgery.
    expect(await codeOf(service.verify(token, { type: 'invitation' }))).toBe('TOKEN_INVALID');
    expect(await codeOf(service.verify(token, { type: 'password_reset', purpose: 'public' }))).toBe(
      'TOKEN_WRONG_PURPOSE',
    );
  });

  it('carries caller footer fields and a caller implicit assertion', async () => {
    const service = await makeService();
    const { token } = await service.issue(
      'invitation',
      { sub: 'u' },
      { footer: { tenant: 't-42' }, implicitAssertion: 'org:acme' },
    );
    const verified = await service.verify(token, { type: 'invitation', implicitAssertion: 'org:acme' });
    expect(verified.footer).toEqual({ tenant: 't-42' });
    expect(await codeOf(service.verify(token, { type: 'invitation' }))).toBe('TOKEN_INVALID');
    expect(await codeOf(service.verify(token, { type: 'invitation', implicitAssertion: 'org:evil' }))).toBe(
      'TOKEN_INVALID',
    );
  });
});

describe('single use, revocation and hooks', () => {
  it('consume succeeds once; afterwards verify and consume say TOKEN_ALREADY_USED (409)', async () => {
    const service = await makeService();
    const { token } = await service.issue('invitation', { sub: 'u' });
    await expect(service.consume(token, { type: 'invitation' })).resolves.toMatchObject({ subject: 'u' });
    const again = await rejection(service.consume(token, { type: 'invitation' }));
    expect([again.code, again.status]).toEqual(['TOKEN_ALREADY_USED', 409]);
    expect(await codeOf(service.verify(token, { type: 'invitation' }))).toBe('TOKEN_ALREADY_USED');
  });

  it('issuing a new token for the same subject does not revive a used one', async () => {
    const service = await makeService();
    const first = await service.issue('invitation', { sub: 'member-7' });
    await service.consume(first.token, { type: 'invitation' });
    const second = await service.issue('invitation', { sub: 'member-7' });
    expect(await codeOf(service.consume(first.token, { type: 'invitation' }))).toBe('TOKEN_ALREADY_USED');
    await expect(service.consume(second.token, { type: 'invitation' })).resolves.toBeDefined();
  });

  it('concurrent consumes of one token on one instance: exactly one succeeds', async () => {
    const service = await makeService();
    const { token } = await service.issue('invitation', { sub: 'u' });
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, () => service.consume(token, { type: 'invitation' })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });

  it('revoke(jti) stops a token verifying and consuming (TOKEN_REVOKED)', async () => {
    const service = await makeService();
    const { token, jti } = await service.issue('api_access', { sub: 'u' });
    await service.verify(token, { type: 'api_access' });
    await service.revoke(jti);
    expect(await codeOf(service.verify(token, { type: 'api_access' }))).toBe('TOKEN_REVOKED');
    expect(await codeOf(service.consume(token, { type: 'api_access' }))).toBe('TOKEN_REVOKED');
    expect(await codeOf(service.revoke('not a jti'))).toBe('TOKEN_MALFORMED');
  });

  it('revokeAllFor(subject) revokes what was issued before, not what is issued after', async () => {
    const clock = manualClock();
    const service = await makeService({ now: clock.now });
    const before = await service.issue('password_reset', { sub: 'alice' });
    const otherUser = await service.issue('password_reset', { sub: 'bob' });
    clock.advance(0.001);
    await service.revokeAllFor('alice');
    clock.advance(0.001);
    const after = await service.issue('password_reset', { sub: 'alice' });
    expect(await codeOf(service.verify(before.token, { type: 'password_reset' }))).toBe('TOKEN_REVOKED');
    await expect(service.verify(after.token, { type: 'password_reset' })).resolves.toBeDefined();
    await expect(service.verify(otherUser.token, { type: 'password_reset' })).resolves.toBeDefined();
  });

  it('runs the status, ownership and resource hooks in order after the state check', async () => {
    const service = await makeService();
    const { token } = await service.issue('invitation', { sub: 'u', invitationId: 'inv-1' });
    const calls: string[] = [];
    const hook = (layer: string, ok: boolean) => () => {
      calls.push(layer);
      return ok;
    };
    const err = await rejection(
      service.consume(token, {
        type: 'invitation',
        hooks: {
          resource: hook('resource', true),
          status: hook('status', true),
          ownership: hook('ownership', false),
        },
      }),
    );
    expect(calls).toEqual(['status', 'ownership']);
    expect([err.code, err.status, err.details]).toEqual(['TOKEN_REJECTED', 400, { layer: 'ownership' }]);
    // A refused consume leaves the token unused.
    await expect(
      service.consume(token, { type: 'invitation', hooks: { status: () => true } }),
    ).resolves.toBeDefined();
  });

  it("a hook's own AppError reaches the caller unchanged", async () => {
    const service = await makeService();
    const { token } = await service.issue('invitation', { sub: 'u' });
    const notFound = new AppError('NOT_FOUND', 'Invitation not found');
    const err = await rejection(
      service.verify(token, {
        type: 'invitation',
        hooks: {
          status: () => {
            throw notFound;
          },
        },
      }),
    );
    expect(err).toBe(notFound);
  });

  it('a store that fails gives TOKEN_STATE_UNAVAILABLE (503), never a success', async () => {
    const broken: TokenStateStore = {
      kind: 'broken',
      consume: async () => {
        throw new Error('connection reset');
      },
      revoke: async () => {
        throw new Error('connection reset');
      },
      revokeSubject: async () => {
        throw new Error('connection reset');
      },
      lookup: async () => ({ jti: null, subjectNotBeforeMs: null }),
      purgeExpired: async () => 0,
    };
    const { logger, text } = captureLogger();
    const service = await makeService({ store: broken, logger });
    const { token, jti } = await service.issue('invitation', { sub: 'u' });
    const err = await rejection(service.consume(token, { type: 'invitation' }));
    expect([err.code, err.status, err.retryAfter]).toEqual(['TOKEN_STATE_UNAVAILABLE', 503, 1]);
    expect(await codeOf(service.revoke(jti))).toBe('TOKEN_STATE_UNAVAILABLE');
    expect(await codeOf(service.revokeAllFor('u'))).toBe('TOKEN_STATE_UNAVAILABLE');
    expect(text()).not.toContain(token);
    expect(text()).not.toContain(jti);
  });
});

describe('key rotation', () => {
  it('the old key still verifies, the new one signs', async () => {
    const oldKeys = await generateTokenKeyMaterial();
    const newKeys = await generateTokenKeyMaterial();
    const before = await makeService({ keys: await createTokenKeys({ secretKey: oldKeys.secretKey }) });
    const oldToken = await before.issue('invitation', { sub: 'u' });

    const after = await makeService({
      keys: await createTokenKeys({ secretKey: newKeys.secretKey, publicKeys: [oldKeys.publicKey] }),
    });
    const newToken = await after.issue('invitation', { sub: 'u' });
    await expect(after.verify(oldToken.token, { type: 'invitation' })).resolves.toMatchObject({
      keyId: oldKeys.publicKeyId,
    });
    expect((await after.verify(newToken.token, { type: 'invitation' })).keyId).toBe(newKeys.publicKeyId);

    // Once the old key is dropped from PASETO_PUBLIC_KEYS, its tokens stop verifying.
    const done = await makeService({ keys: await createTokenKeys({ secretKey: newKeys.secretKey }) });
    expect(await codeOf(done.verify(oldToken.token, { type: 'invitation' }))).toBe('TOKEN_UNKNOWN_KEY');
    // An instance that has not yet learnt the new key refuses the new tokens by key id.
    expect(await codeOf(before.verify(newToken.token, { type: 'invitation' }))).toBe('TOKEN_UNKNOWN_KEY');
  });

  it('a local key rotates the same way (older keys decrypt, the configured one encrypts)', async () => {
    const a = await generateTokenKeyMaterial();
    const b = await generateTokenKeyMaterial();
    const first = await makeService({
      keys: await createTokenKeys({ secretKey: a.secretKey, localKey: a.localKey }),
    });
    const { token } = await first.issue('password_reset', { sub: 'u' }, { purpose: 'local' });
    const rotated = await makeService({
      keys: await createTokenKeys({ secretKey: a.secretKey, localKey: b.localKey, localKeys: [a.localKey] }),
    });
    expect((await rotated.verify(token, { type: 'password_reset' })).keyId).toBe(a.localKeyId);
    const fresh = await rotated.issue('password_reset', { sub: 'u' }, { purpose: 'local' });
    expect((await rotated.verify(fresh.token, { type: 'password_reset' })).keyId).toBe(b.localKeyId);
  });

  it('without a local key, v4.local tokens cannot be issued', async () => {
    const k = await generateTokenKeyMaterial();
    const service = await makeService({ keys: await createTokenKeys({ secretKey: k.secretKey }) });
    const issuing = service.issue('password_reset', {}, { purpose: 'local' });
    await expect(issuing).rejects.toThrow(FlowfullConfigError);
    await expect(issuing).rejects.toThrow(/PASETO_LOCAL_KEY/);
  });
});

describe('options', () => {
  it('a bad option throws FlowfullConfigError at construction, naming the option', async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ issuer: '' }, /issuer/],
      [{ audience: 7 }, /audience/],
      [{ clockSkewSeconds: -1 }, /clockSkewSeconds/],
      [{ maxLength: 0 }, /maxLength/],
      [{ lifetimes: { ...LIFETIMES, invitation: -5 } }, /lifetimes\.invitation/],
      [{ maxLifetimeSeconds: 0 }, /maxLifetimeSeconds/],
      [{ store: undefined }, /store/],
    ];
    for (const [override, message] of cases) {
      const made = makeService(override as never);
      await expect(made).rejects.toThrow(FlowfullConfigError);
      await expect(made).rejects.toThrow(message);
    }
  });
});

describe('two services in one process', () => {
  it('keep their own keys and state', async () => {
    const a = await makeService({ keys: await createEphemeralTokenKeys(), store: createMemoryTokenStore() });
    const b = await makeService({ keys: await createEphemeralTokenKeys(), store: createMemoryTokenStore() });
    const { token } = await a.issue('invitation', {});
    expect(await codeOf(b.verify(token, { type: 'invitation' }))).toBe('TOKEN_UNKNOWN_KEY');
    await a.consume(token, { type: 'invitation' });
    const other = await b.issue('invitation', {});
    await expect(b.consume(other.token, { type: 'invitation' })).resolves.toBeDefined();
  });
});
