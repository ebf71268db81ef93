import { bool, int, str } from '../fields.js';

/**
 * What a session id may look like before anyone is asked about it. Flowless issues `ses_` followed by
 * 32 random bytes in base64url (47 characters; the local stand-in does the same), so the default
 * alphabet is base64url's (`_` and `-` included) and the bounds leave room for other Flowless versions
 * while refusing what no version issues. Stated once here; the auth module and the schema read it.
 */
export const SESSION_ID_DEFAULTS = {
  /** A regular-expression character class body: `A-Za-z0-9_-` means `[A-Za-z0-9_-]`. */
  alphabet: 'A-Za-z0-9_-',
  minLength: 16,
  maxLength: 256,
} as const;

/** The hard outer bound on any session id (protocol section 1: "over ~512 bytes" is absurd). */
export const SESSION_ID_LIMIT = 512;

/**
 * Characters no alphabet may admit: they separate values when a proxy joins repeated headers (`,`)
 * or cookies (`;`), or are invisible, quoting or non-ASCII (one character would no longer be one byte).
 */
const FORBIDDEN_SAMPLES = [
  ...Array.from({ length: 0x21 }, (_, i) => String.fromCharCode(i)),
  '\u007f',
  ',',
  ';',
  '"',
  '\\',
  '\u0080',
  '\u00a0',
  '\u00e9',
  '\u0130',
  '\u212a',
  '\u2028',
  '\ufeff',
];

/** Compiles a session-id alphabet into an anchored pattern, or says why it cannot be used. */
export function compileSessionIdAlphabet(alphabet: string): { pattern: RegExp } | { problem: string } {
  let pattern: RegExp;
  try {
    pattern = new RegExp(`^[${alphabet}]+$`);
  } catch {
    return { problem: 'is not a valid character class body; expected something like A-Za-z0-9_-' };
  }
  const bad = FORBIDDEN_SAMPLES.find((ch) => pattern.test(ch));
  if (bad !== undefined) {
    const shown = `U+${bad.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
    return {
      problem: `admits ${shown}; expected visible ASCII only, without , ; " or \\ (for example A-Za-z0-9_-)`,
    };
  }
  let admitsSome = false;
  for (let code = 0x21; code < 0x7f && !admitsSome; code++)
    admitsSome = pattern.test(String.fromCharCode(code));
  if (!admitsSome) return { problem: 'admits no character at all; expected something like A-Za-z0-9_-' };
  return { pattern };
}

export const securityShape = {
  /** Characters a session id may contain, as a character class body. Default: base64url (`A-Za-z0-9_-`). */
  AUTH_SESSION_ID_ALPHABET: str(SESSION_ID_DEFAULTS.alphabet),
  /** Shortest session id accepted. Default 16. */
  AUTH_SESSION_ID_MIN_LENGTH: int(SESSION_ID_DEFAULTS.minLength, { min: 1, max: SESSION_ID_LIMIT }),
  /** Longest session id accepted (at most 512). Default 256. */
  AUTH_SESSION_ID_MAX_LENGTH: int(SESSION_ID_DEFAULTS.maxLength, { min: 1, max: SESSION_ID_LIMIT }),
  /** Accept an invitation only when Flowless reports the signed-in user's email as verified. */
  INVITATIONS_REQUIRE_VERIFIED_EMAIL: bool(true),
};
