import { randomBytes } from 'node:crypto';

/**
 * Strength of shared secrets (the bridge secret, which also guards the revocation hook). Length alone
 * lets `aaaa…` and `changemechangeme…` through; this estimates entropy the way an attacker would
 * guess: the shortest repeating unit, the variety of characters actually used, runs and steps, and
 * well-known placeholder words, and takes the lowest of those estimates.
 */

/** Production refuses a shared secret whose estimate is below this. */
export const MIN_SECRET_BITS = 128;

/** Bytes of randomness in a generated secret: 256 bits, 43 base64url characters. */
const GENERATED_BYTES = 32;

/** Shared secrets checked in production; a new one (a metrics token…) is added here. */
export const SHARED_SECRET_KEYS = ['BRIDGE_VALIDATION_SECRET'] as const;

/** A fresh bridge (or other shared) secret: 32 random bytes as base64url. */
export function generateBridgeSecret(): string {
  return randomBytes(GENERATED_BYTES).toString('base64url');
}

/** The one-line hint every weak-secret report ends with. */
export const GENERATE_SECRET_HINT =
  "generate one with `flowfull keys generate` or `node -e \"console.log(require('node:crypto').randomBytes(32).toString('base64url'))\"`";

/**
 * Placeholders seen in examples and docs, compared without case and punctuation. Any of them inside a
 * secret counts as a few bits, not as its letters. Includes the value the README shows.
 */
export const PLACEHOLDER_WORDS = [
  'changeme',
  'changethis',
  'replaceme',
  'secret',
  'password',
  'passwd',
  'placeholder',
  'example',
  'default',
  'sample',
  'dummy',
  'qwerty',
  'letmein',
  'admin',
  'bridge',
  'validation',
  'flowless',
  'flowfull',
  'pubflow',
  'thesecretsharedwithflowless32chars',
  'yoursecrethere',
  'todo',
  'fixme',
  'xxxx',
  '1234',
  'abcd',
];

const WORD_BITS = 4;
const WORDS_LONGEST_FIRST = [...PLACEHOLDER_WORDS].sort((a, b) => b.length - a.length);

function classPool(text: string): number {
  if (/^[0-9a-f]+$/.test(text) || /^[0-9A-F]+$/.test(text)) return 16;
  let pool = 0;
  if (/[a-z]/.test(text)) pool += 26;
  if (/[A-Z]/.test(text)) pool += 26;
  if (/[0-9]/.test(text)) pool += 10;
  if (/[\x20-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e]/.test(text)) pool += 33;
  if (/[^\x20-\x7e]/.test(text)) pool += 100;
  return Math.max(pool, 1);
}

/** The shortest unit the text repeats (`abcabcab` -> `abc`): repetition adds nothing an attacker must guess. */
function shortestPeriod(text: string): string {
  for (let p = 1; p < text.length; p++) {
    let repeats = true;
    for (let i = p; i < text.length && repeats; i++) repeats = text[i] === text[i - p];
    if (repeats) return text.slice(0, p);
  }
  return text;
}

/** Shannon entropy of the characters actually used, times the length: low variety scores low. */
function varietyBits(text: string): number {
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let perChar = 0;
  for (const n of counts.values()) {
    const p = n / text.length;
    perChar -= p * Math.log2(p);
  }
  return perChar * text.length;
}

/** Alphabet bits per character, except that a repeat or a ±1 step of its neighbour (`aaa`, `abc`, `321`) costs one bit. */
function patternBits(text: string, pool: number): number {
  const perChar = Math.log2(pool);
  let bits = 0;
  for (let i = 0; i < text.length; i++) {
    const step = i === 0 ? Number.POSITIVE_INFINITY : Math.abs(text.charCodeAt(i) - text.charCodeAt(i - 1));
    bits += step <= 1 ? 1 : perChar;
  }
  return bits;
}

function withoutPlaceholders(text: string): { rest: string; words: number } {
  let rest = text;
  let words = 0;
  for (const word of WORDS_LONGEST_FIRST) {
    const pattern = new RegExp(word, 'gi');
    rest = rest.replace(pattern, () => {
      words++;
      return '\u0000';
    });
  }
  return { rest: rest.replaceAll('\u0000', ''), words };
}

/** A conservative estimate, in bits, of how hard the secret is to guess. */
export function estimateSecretBits(secret: string): number {
  const { rest, words } = withoutPlaceholders(secret);
  const unit = shortestPeriod(rest);
  if (unit.length === 0) return words * WORD_BITS;
  const estimates = [patternBits(unit, classPool(unit)), varietyBits(unit)];
  return Math.floor(Math.min(...estimates) + words * WORD_BITS);
}

/** Why a production secret is too weak, or undefined when it is strong enough. */
export function weakSecretProblem(secret: string): string | undefined {
  const bits = estimateSecretBits(secret);
  if (bits >= MIN_SECRET_BITS) return undefined;
  return `is too weak for production (about ${bits} bits estimated, at least ${MIN_SECRET_BITS} needed: no repeats, placeholders or low-variety text); ${GENERATE_SECRET_HINT}`;
}
