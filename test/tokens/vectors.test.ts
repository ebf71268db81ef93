import { readFileSync } from 'node:fs';
import { LocalProtocol, PublicProtocol } from 'paseto';
import {
  ExportPublicKeyFactory,
  GetPublicKeyFactory,
  ImportPublicKeyFactory,
  ImportSecretKeyFactory,
  SignFactory,
  VerifyFactory,
} from 'paseto/v4/public';
import { describe, expect, it } from 'vitest';
import { createTokenKeys, describePaserk, TokenKeyError } from '../../src/tokens/index.js';
import {
  decryptV4Local,
  encryptV4Local,
  importLocalKey,
  LocalEncryptFactory,
  localDecryptFactory,
} from '../../src/tokens/local.js';
import { decodePaserk, encodePaserk, type PaserkKeyType, paserkId } from '../../src/tokens/paserk.js';

/** The official PASETO v4 and PASERK k4 test vectors, read as published (test/fixtures/paseto). */
const FIXTURES = new URL('../fixtures/paseto/', import.meta.url);
const read = (name: string) => JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8'));
const hex = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));
const utf8 = (s: string) => new TextEncoder().encode(s);

interface TokenVector {
  name: string;
  'expect-fail': boolean;
  key?: string;
  nonce?: string;
  'public-key'?: string;
  'secret-key'?: string;
  token: string;
  payload: string | null;
  footer: string;
  'implicit-assertion': string;
}

const v4 = read('v4.json') as { tests: TokenVector[] };
const publicOps = new PublicProtocol(
  SignFactory,
  VerifyFactory,
  ImportPublicKeyFactory,
  ImportSecretKeyFactory,
);
const localOps = new LocalProtocol(LocalEncryptFactory, localDecryptFactory());
// The vectors expire on 2022-01-01; check them as of a day when they were valid.
const VECTOR_TIME = new Date('2021-06-01T00:00:00Z');

const importPublic = (h: string) =>
  publicOps.ImportPublicKey(encodePaserk('public', hex(h)) as `k4.public.${string}`);
const importSecret = (h: string) =>
  publicOps.ImportSecretKey(encodePaserk('secret', hex(h)) as `k4.secret.${string}`);
const options = (t: TokenVector) => ({
  footer: utf8(t.footer),
  implicitAssertion: utf8(t['implicit-assertion']),
  now: VECTOR_TIME,
});

describe('PASETO v4 test vectors (v4.json)', () => {
  it('holds every published case', () => {
    expect(v4.tests.map((t) => t.name)).toEqual([
      ...['1', '2', '3', '4', '5', '6', '7', '8', '9'].map((n) => `4-E-${n}`),
      '4-S-1',
      '4-S-2',
      '4-S-3',
      '4-F-1',
      '4-F-2',
      '4-F-3',
      '4-F-4',
      '4-F-5',
    ]);
  });

  for (const t of v4.tests.filter((t) => !t['expect-fail'] && t.token.startsWith('v4.local.'))) {
    it(`${t.name}: v4.local encrypts to the token and decrypts to the payload`, async () => {
      const key = hex(t.key!);
      const payload = encryptV4Local(
        key,
        utf8(t.payload!),
        utf8(t.footer),
        utf8(t['implicit-assertion']),
        hex(t.nonce!),
      );
      const footer = t.footer ? `.${Buffer.from(t.footer).toString('base64url')}` : '';
      expect(`v4.local.${Buffer.from(payload).toString('base64url')}${footer}`).toBe(t.token);

      const plaintext = decryptV4Local(key, payload, utf8(t.footer), utf8(t['implicit-assertion']));
      expect(new TextDecoder().decode(plaintext)).toBe(t.payload);
      const localKey = importLocalKey(encodePaserk('local', key));
      const { claims } = await localOps.Decrypt(localKey, t.token, options(t));
      expect(claims).toEqual(JSON.parse(t.payload!));
    });
  }

  for (const t of v4.tests.filter((t) => !t['expect-fail'] && t.token.startsWith('v4.public.'))) {
    it(`${t.name}: v4.public signs to the token and verifies to the payload`, async () => {
      const secret = await importSecret(t['secret-key']!);
      const token = await publicOps.Sign(secret, JSON.parse(t.payload!), {
        ...options(t),
        addIssuedAt: false,
      });
      expect(token).toBe(t.token);
      const { claims } = await publicOps.Verify(await importPublic(t['public-key']!), t.token, options(t));
      expect(claims).toEqual(JSON.parse(t.payload!));
    });
  }

  for (const t of v4.tests.filter((t) => t['expect-fail'])) {
    it(`${t.name}: is refused with every key it comes with`, async () => {
      expect(t.payload).toBeNull();
      let attempts = 0;
      if (t.key) {
        attempts++;
        await expect(
          localOps.Decrypt(importLocalKey(encodePaserk('local', hex(t.key))), t.token, options(t)),
        ).rejects.toThrow();
      }
      if (t['public-key']) {
        attempts++;
        await expect(
          publicOps.Verify(await importPublic(t['public-key']), t.token, options(t)),
        ).rejects.toThrow();
      }
      expect(attempts).toBeGreaterThan(0);
    });
  }
});

interface PaserkVector {
  name: string;
  'expect-fail': boolean;
  key: string | null;
  paserk: string | null;
  'public-key'?: string | null;
}

const readPaserk = (type: string) => (read(`PASERK/k4.${type}.json`) as { tests: PaserkVector[] }).tests;

describe('PASERK k4 plaintext keys (k4.local, k4.public, k4.secret)', () => {
  for (const type of ['local', 'public', 'secret'] as PaserkKeyType[]) {
    for (const t of readPaserk(type)) {
      it(`${t.name}`, () => {
        if (!t['expect-fail']) {
          expect(encodePaserk(type, hex(t.key!))).toBe(t.paserk);
          expect(Buffer.from(decodePaserk(type, t.paserk!)).toString('hex')).toBe(t.key);
          return;
        }
        // Failing cases give either a key that must not serialise or a PASERK that must not parse.
        if (t.key) expect(() => encodePaserk(type, hex(t.key!))).toThrow();
        if (t.paserk) expect(() => decodePaserk(type, t.paserk!)).toThrow();
        expect(t.key ?? t.paserk).toBeTruthy();
      });
    }
  }

  it('k4.public and k4.secret vectors import into the paseto library, and a secret yields its public key', async () => {
    const ops = new PublicProtocol(ImportSecretKeyFactory, GetPublicKeyFactory, ExportPublicKeyFactory);
    for (const t of readPaserk('secret').filter((t) => !t['expect-fail'])) {
      const secret = await ops.ImportSecretKey(t.paserk as `k4.secret.${string}`);
      const derived = await ops.ExportPublicKey(await ops.GetPublicKey(secret));
      expect(derived).toBe(encodePaserk('public', hex(t['public-key']!)));
    }
  });

  it('a k4.secret whose public half does not match its seed is refused on import', async () => {
    const good = readPaserk('secret')[1]!;
    const bytes = hex(good.key!);
    bytes[63] = (bytes[63] ?? 0) ^ 1;
    await expect(createTokenKeys({ secretKey: encodePaserk('secret', bytes) })).rejects.toThrow(
      TokenKeyError,
    );
  });
});

describe('PASERK k4 key ids (k4.lid, k4.pid, k4.sid)', () => {
  const keyTypeOf = { lid: 'local', pid: 'public', sid: 'secret' } as const;
  for (const idType of ['lid', 'pid', 'sid'] as const) {
    for (const t of readPaserk(idType)) {
      it(`${t.name}`, () => {
        const serialise = () => encodePaserk(keyTypeOf[idType], hex(t.key!));
        if (t['expect-fail']) {
          expect(serialise).toThrow();
        } else {
          expect(paserkId(idType, serialise())).toBe(t.paserk);
        }
      });
    }
  }

  it('an id is only computed from the key type it identifies', () => {
    const local = readPaserk('local')[1]!.paserk!;
    expect(() => paserkId('pid', local)).toThrow();
    expect(() => paserkId('sid', local)).toThrow();
  });
});

/**
 * Out of scope: password wrapping (k4.local-pw, k4.secret-pw), PIE wrapping (k4.local-wrap.pie,
 * k4.secret-wrap.pie) and sealing (k4.seal). Keys come from the environment or a secret manager
 * as plaintext PASERK; these forms are refused, by name, wherever a key is expected.
 */
describe('PASERK k4 forms that are out of scope are refused', () => {
  const forms = ['local-pw', 'secret-pw', 'local-wrap.pie', 'secret-wrap.pie', 'seal'];
  for (const form of forms) {
    it(`k4.${form}`, async () => {
      const paserks = readPaserk(form)
        .map((t) => t.paserk)
        .filter((p): p is string => typeof p === 'string' && p.startsWith('k4.'));
      expect(paserks.length).toBeGreaterThan(0);
      for (const paserk of paserks) {
        expect(describePaserk(paserk)).toBe(`a k4.${form} PASERK`);
        for (const type of ['local', 'public', 'secret'] as PaserkKeyType[]) {
          expect(() => decodePaserk(type, paserk)).toThrow();
        }
        const err = await createTokenKeys({ secretKey: paserk }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(TokenKeyError);
        expect((err as Error).message).toContain(`k4.${form}`);
        expect((err as Error).message).not.toContain(paserk.slice(`k4.${form}.`.length));
      }
    });
  }
});
