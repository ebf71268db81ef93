import { createPrivateKey, sign } from 'node:crypto';
import { PAE } from 'paseto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createTokenKeys,
  type GeneratedKeys,
  generateTokenKeyMaterial,
  type TrustTokenService,
} from '../../src/tokens/index.js';
import { encryptV4Local } from '../../src/tokens/local.js';
import { decodePaserk } from '../../src/tokens/paserk.js';
import { codeOf, makeService } from './helpers.js';

/**
 * Every way of bending a valid token is refused, each with a code. Hand-made tokens below are
 * signed (or encrypted) with the service's real key, so what is refused is the shape, not a
 * bad signature.
 */

const b64 = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64url');
const utf8 = (s: string) => new TextEncoder().encode(s);
const ASSERTION = (type: string) => PAE([utf8('flowfull.trust-token.v1'), utf8(type), new Uint8Array()]);

let material: GeneratedKeys;
let service: TrustTokenService;
let footer: string;

/** A v4.public token over exactly these claim bytes, signed with the service's key. */
function signRaw(claimsJson: string, type: string, footerJson = footer): string {
  const secret = decodePaserk('secret', material.secretKey);
  const key = createPrivateKey({
    key: { kty: 'OKP', crv: 'Ed25519', d: b64(secret.subarray(0, 32)), x: b64(secret.subarray(32)) },
    format: 'jwk',
  });
  const message = utf8(claimsJson);
  const signature = sign(null, PAE([utf8('v4.public.'), message, utf8(footerJson), ASSERTION(type)]), key);
  return `v4.public.${b64(Buffer.concat([message, signature]))}.${b64(footerJson)}`;
}

function claimsJson(extra = ''): string {
  const now = Date.now();
  const iso = (ms: number) => new Date(ms).toISOString();
  return (
    `{"iss":"flowfull","aud":"flowfull","sub":"alice","jti":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",` +
    `"type":"invitation","iat":"${iso(now)}","nbf":"${iso(now)}","exp":"${iso(now + 3600_000)}"${extra}}`
  );
}

const expectInvitation = (token: unknown) => codeOf(service.verify(token, { type: 'invitation' }));

beforeAll(async () => {
  material = await generateTokenKeyMaterial();
  service = await makeService({
    keys: await createTokenKeys({ secretKey: material.secretKey, localKey: material.localKey }),
  });
  footer = JSON.stringify({ kid: material.publicKeyId });
});

describe('hand-made tokens (the control)', () => {
  it('a hand-signed token of the right shape verifies', async () => {
    const verified = await service.verify(signRaw(claimsJson(), 'invitation'), { type: 'invitation' });
    expect(verified.subject).toBe('alice');
  });
});

describe('altered parts', () => {
  it('altered payload: TOKEN_INVALID', async () => {
    const { token } = await service.issue('invitation', { sub: 'alice' });
    const [v, p, payload, f] = token.split('.');
    const bytes = Buffer.from(payload!, 'base64url');
    const message = bytes.subarray(0, -64).toString().replace('"sub":"alice"', '"sub":"admin"');
    const forged = `${v}.${p}.${b64(Buffer.concat([Buffer.from(message), bytes.subarray(-64)]))}.${f}`;
    expect(await expectInvitation(forged)).toBe('TOKEN_INVALID');
  });

  it('altered signature: TOKEN_INVALID', async () => {
    const { token } = await service.issue('invitation', { sub: 'alice' });
    const [v, p, payload, f] = token.split('.');
    const bytes = Buffer.from(payload!, 'base64url');
    bytes[bytes.length - 10]! ^= 0x01;
    expect(await expectInvitation(`${v}.${p}.${b64(bytes)}.${f}`)).toBe('TOKEN_INVALID');
  });

  it('altered footer: TOKEN_INVALID; another kid: TOKEN_UNKNOWN_KEY; none: TOKEN_MALFORMED', async () => {
    const { token } = await service.issue('invitation', { sub: 'alice' });
    const [v, p, payload] = token.split('.');
    const extra = b64(JSON.stringify({ kid: material.publicKeyId, role: 'admin' }));
    expect(await expectInvitation(`${v}.${p}.${payload}.${extra}`)).toBe('TOKEN_INVALID');
    const otherKid = b64(JSON.stringify({ kid: 'k4.pid.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }));
    expect(await expectInvitation(`${v}.${p}.${payload}.${otherKid}`)).toBe('TOKEN_UNKNOWN_KEY');
    expect(await expectInvitation(`${v}.${p}.${payload}`)).toBe('TOKEN_MALFORMED');
    expect(await expectInvitation(`${v}.${p}.${payload}.${b64('not json')}`)).toBe('TOKEN_MALFORMED');
    expect(await expectInvitation(`${v}.${p}.${payload}.${b64('{"kid":5}')}`)).toBe('TOKEN_MALFORMED');
  });

  it('version and purpose swapped or unknown: refused by header', async () => {
    const { token } = await service.issue('invitation', { sub: 'alice' });
    const rest = token.split('.').slice(2).join('.');
    expect(await expectInvitation(`v3.public.${rest}`)).toBe('TOKEN_UNSUPPORTED');
    expect(await expectInvitation(`v2.public.${rest}`)).toBe('TOKEN_UNSUPPORTED');
    expect(await expectInvitation(`v4.secret.${rest}`)).toBe('TOKEN_UNSUPPORTED');
    expect(await expectInvitation(`public.v4.${rest}`)).toBe('TOKEN_MALFORMED');
    expect(await expectInvitation(`V4.public.${rest}`)).toBe('TOKEN_MALFORMED');
    // The v4.public footer names a k4.pid: as v4.local no local key has that id.
    expect(await expectInvitation(`v4.local.${rest}`)).toBe('TOKEN_UNKNOWN_KEY');
  });

  it('a v4.local token presented as v4.public: no public key has its k4.lid', async () => {
    const { token } = await service.issue('invitation', { sub: 'alice' }, { purpose: 'local' });
    expect(await expectInvitation(token.replace('v4.local.', 'v4.public.'))).toBe('TOKEN_UNKNOWN_KEY');
  });

  it('altered v4.local ciphertext or tag: TOKEN_INVALID', async () => {
    const { token } = await service.issue('invitation', { sub: 'alice' }, { purpose: 'local' });
    const [v, p, payload, f] = token.split('.');
    for (const index of [40, -5]) {
      const bytes = Buffer.from(payload!, 'base64url');
      bytes[(index + bytes.length) % bytes.length]! ^= 0x80;
      expect(await expectInvitation(`${v}.${p}.${b64(bytes)}.${f}`)).toBe('TOKEN_INVALID');
    }
  });
});

describe('non-canonical encodings of a valid token', () => {
  /** A valid token whose payload's base64url has slack bits at the end (byte length not a multiple of 3). */
  async function tokenWithSlack(): Promise<{ token: string; parts: string[] }> {
    for (let pad = 0; ; pad++) {
      const { token } = await service.issue('invitation', { sub: 'alice', pad: 'x'.repeat(pad) });
      const parts = token.split('.');
      if (Buffer.from(parts[2]!, 'base64url').length % 3 !== 0) return { token, parts };
    }
  }

  it('the same bytes with non-zero trailing bits: TOKEN_MALFORMED', async () => {
    const { token, parts } = await tokenWithSlack();
    await expect(service.verify(token, { type: 'invitation' })).resolves.toBeDefined();
    const payload = parts[2]!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(payload.at(-1)!);
    const variant = payload.slice(0, -1) + alphabet[last + 1];
    // A lax decoder reads the variant as the very same bytes: that is the attack.
    expect(Buffer.from(variant, 'base64url').equals(Buffer.from(payload, 'base64url'))).toBe(true);
    expect(await expectInvitation([parts[0], parts[1], variant, parts[3]].join('.'))).toBe('TOKEN_MALFORMED');
  });

  it('padding, standard-alphabet characters, whitespace: TOKEN_MALFORMED', async () => {
    const { parts } = await tokenWithSlack();
    const [v, p, payload, f] = parts as [string, string, string, string];
    const padded = payload + '='.repeat((4 - (payload.length % 4)) % 4);
    expect(await expectInvitation(`${v}.${p}.${padded}.${f}`)).toBe('TOKEN_MALFORMED');
    expect(await expectInvitation(`${v}.${p}.${payload}.${f}==`)).toBe('TOKEN_MALFORMED');
    const std = Buffer.from(payload, 'base64url').toString('base64').replace(/=+$/, '');
    if (std !== payload) expect(await expectInvitation(`${v}.${p}.${std}.${f}`)).toBe('TOKEN_MALFORMED');
    expect(await expectInvitation(`${v}.${p}.${payload}.${f}\n`)).toBe('TOKEN_MALFORMED');
    expect(await expectInvitation(` ${v}.${p}.${payload}.${f}`)).toBe('TOKEN_MALFORMED');
    expect(await expectInvitation(`${v}.${p}.${payload.slice(0, 20)} ${payload.slice(20)}.${f}`)).toBe(
      'TOKEN_MALFORMED',
    );
  });

  it('a "+" or "/" where the token has "-" or "_"', async () => {
    for (let i = 0; i < 50; i++) {
      const { token } = await service.issue('invitation', { sub: 'alice' });
      const [v, p, payload, f] = token.split('.') as [string, string, string, string];
      if (!/[-_]/.test(payload)) continue;
      const std = payload.replaceAll('-', '+').replaceAll('_', '/');
      expect(Buffer.from(std, 'base64').equals(Buffer.from(payload, 'base64url'))).toBe(true);
      expect(await expectInvitation(`${v}.${p}.${std}.${f}`)).toBe('TOKEN_MALFORMED');
      return;
    }
    throw new Error('no token with - or _ in 50 tries');
  });
});

describe('truncated, oversized, not a token', () => {
  it('every truncation is refused with a token code', async () => {
    const { token } = await service.issue('invitation', { sub: 'alice' });
    const codes = new Set<string>();
    for (let cut = 1; cut < token.length; cut += 7) codes.add(await expectInvitation(token.slice(0, cut)));
    expect(
      [...codes].every((c) => ['TOKEN_MALFORMED', 'TOKEN_INVALID', 'TOKEN_UNSUPPORTED'].includes(c)),
    ).toBe(true);
    const [v, p, payload, f] = token.split('.');
    expect(await expectInvitation(`${v}.${p}.${payload!.slice(0, 80)}.${f}`)).toBe('TOKEN_MALFORMED');
    expect(await expectInvitation(`${v}.${p}.${payload!.slice(0, 200)}.${f}`)).toBe('TOKEN_MALFORMED');
  });

  it('a token longer than TOKEN_MAX_LENGTH: TOKEN_TOO_LARGE, before any decoding', async () => {
    expect(await expectInvitation(`v4.public.${'A'.repeat(9000)}`)).toBe('TOKEN_TOO_LARGE');
    const small = await makeService({ maxLength: 256 });
    expect(await codeOf(small.verify('x'.repeat(257), { type: 'invitation' }))).toBe('TOKEN_TOO_LARGE');
  });

  it('not a string, empty, or the wrong number of parts: TOKEN_MALFORMED', async () => {
    for (const bad of [undefined, null, 42, {}, '', 'v4.public', 'a.b.c.d.e', 'v4.public..e30']) {
      expect(await expectInvitation(bad)).toBe('TOKEN_MALFORMED');
    }
  });

  it('the official failing vectors are refused by the service too', async () => {
    const { readFileSync } = await import('node:fs');
    const v4 = JSON.parse(readFileSync(new URL('../fixtures/paseto/v4.json', import.meta.url), 'utf8'));
    for (const t of v4.tests.filter((t: { 'expect-fail': boolean }) => t['expect-fail'])) {
      expect(['TOKEN_MALFORMED', 'TOKEN_UNSUPPORTED', 'TOKEN_UNKNOWN_KEY']).toContain(
        await expectInvitation(t.token),
      );
    }
  });
});

describe('duplicate JSON keys', () => {
  it('in the signed claims: TOKEN_MALFORMED (parsers disagree on which value wins)', async () => {
    const dup = signRaw(claimsJson(',"sub":"admin"'), 'invitation');
    expect(await expectInvitation(dup)).toBe('TOKEN_MALFORMED');
    const escaped = signRaw(claimsJson(',"s\\u0075b":"admin"'), 'invitation');
    expect(await expectInvitation(escaped)).toBe('TOKEN_MALFORMED');
    const nested = signRaw(claimsJson(',"org":{"id":1,"id":2}'), 'invitation');
    expect(await expectInvitation(nested)).toBe('TOKEN_MALFORMED');
    const fine = signRaw(claimsJson(',"org":{"id":1},"list":[{"id":1},{"id":2}]'), 'invitation');
    await expect(service.verify(fine, { type: 'invitation' })).resolves.toBeDefined();
  });

  it('in the footer: TOKEN_MALFORMED', async () => {
    const dupFooter = `{"kid":"${material.publicKeyId}","kid":"${material.publicKeyId}"}`;
    expect(await expectInvitation(signRaw(claimsJson(), 'invitation', dupFooter))).toBe('TOKEN_MALFORMED');
  });

  it('in encrypted v4.local claims: TOKEN_MALFORMED', async () => {
    const key = decodePaserk('local', material.localKey);
    const localFooter = JSON.stringify({ kid: material.localKeyId });
    const seal = (json: string) =>
      `v4.local.${b64(encryptV4Local(key, utf8(json), utf8(localFooter), ASSERTION('invitation')))}.${b64(localFooter)}`;
    await expect(service.verify(seal(claimsJson()), { type: 'invitation' })).resolves.toBeDefined();
    expect(await expectInvitation(seal(claimsJson(',"sub":"admin"')))).toBe('TOKEN_MALFORMED');
  });

  it('claims that are not a trust token (missing jti, exp…): TOKEN_INVALID', async () => {
    const noJti = claimsJson().replace('"jti":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",', '');
    expect(await expectInvitation(signRaw(noJti, 'invitation'))).toBe('TOKEN_INVALID');
    const noExp = claimsJson().replace(/,"exp":"[^"]+"/, '');
    expect(await expectInvitation(signRaw(noExp, 'invitation'))).toBe('TOKEN_INVALID');
    const badDate = claimsJson().replace(/"exp":"[^"]+"/, '"exp":"tomorrow"');
    expect(await expectInvitation(signRaw(badDate, 'invitation'))).toBe('TOKEN_INVALID');
  });
});
