import { describe, expect, it } from 'vitest';
import {
  decodeBase64url,
  hasDuplicateKeysOrDeepNesting,
  parseStrictJsonObject,
} from '../../src/tokens/encoding.js';

const strict = (text: string) => parseStrictJsonObject(text, { maxDepth: 8 });

describe('canonical base64url', () => {
  it('decodes the canonical form', () => {
    expect(Buffer.from(decodeBase64url('aGVsbG8')!).toString()).toBe('hello');
    expect(decodeBase64url('')).toEqual(new Uint8Array());
  });

  it('refuses padding, the standard alphabet, whitespace, stray characters and non-zero trailing bits', () => {
    for (const bad of ['aGVsbG8=', 'aGVsbG8==', 'a+b/', 'aGVs bG8', 'aGVsbG8\n', 'aGVsbG9', 'aGVsbG*', 'a']) {
      expect(decodeBase64url(bad), bad).toBeUndefined();
    }
  });
});

describe('strict JSON objects', () => {
  it('accepts objects, including repeated keys in different objects', () => {
    expect(strict('{"a":1,"b":{"a":2},"c":[{"a":1},{"a":2}]}')).toEqual({
      a: 1,
      b: { a: 2 },
      c: [{ a: 1 }, { a: 2 }],
    });
    expect(strict('{"a":"x,\\"a\\":y","b":"{"}')).toEqual({ a: 'x,"a":y', b: '{' });
  });

  it('refuses duplicate keys, compared after unescaping', () => {
    expect(strict('{"a":1,"a":2}')).toBeUndefined();
    expect(strict('{"a":1,"\\u0061":2}')).toBeUndefined();
    expect(strict('{"x":{"k":1,"k":1}}')).toBeUndefined();
    expect(strict('{"x":[{"k":1,"k":2}]}')).toBeUndefined();
    expect(strict('{"__proto__":1,"__proto__":2}')).toBeUndefined();
  });

  it('refuses nesting deeper than the limit, arrays, scalars and invalid JSON', () => {
    expect(strict(`${'{"a":'.repeat(8)}1${'}'.repeat(8)}`)).toBeDefined();
    expect(strict(`${'{"a":'.repeat(9)}1${'}'.repeat(9)}`)).toBeUndefined();
    expect(strict(`{"a":${'['.repeat(8)}${']'.repeat(8)}}`)).toBeUndefined();
    for (const bad of ['[]', '1', '"s"', 'null', '{"a":1', '{"a":1}x', ''])
      expect(strict(bad), bad).toBeUndefined();
  });

  it('the key scan ends on unterminated input instead of looping', () => {
    expect(typeof hasDuplicateKeysOrDeepNesting('{"abc', 8)).toBe('boolean');
    expect(typeof hasDuplicateKeysOrDeepNesting('{"a\\', 8)).toBe('boolean');
  });
});
