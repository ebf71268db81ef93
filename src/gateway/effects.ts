/**
 * Which forwarded calls change what Flowfull has cached about a session, and how. Matched on the
 * method and the path after the prefix; only answers Flowless accepted (2xx) have effects, except
 * the session check, whose 401 is itself the news that the session is over.
 */

export type EffectKind = 'logout' | 'refresh' | 'password' | 'two_factor' | 'profile' | 'validation';

export interface EffectRule {
  methods: readonly string[];
  /** Matched against the path after the prefix, e.g. `/logout`. */
  path: RegExp;
  kind: EffectKind;
}

export const DEFAULT_EFFECT_RULES: readonly EffectRule[] = [
  { methods: ['POST'], path: /^\/logout\/?$/, kind: 'logout' },
  { methods: ['POST'], path: /^\/(refresh|refresh-session)\/?$/, kind: 'refresh' },
  {
    methods: ['POST', 'PUT', 'PATCH'],
    path: /^\/(password-change(\/[^/]+)?|change-password|password\/change)\/?$/,
    kind: 'password',
  },
  { methods: ['POST'], path: /^\/password-reset\/(reset|complete)\/?$/, kind: 'password' },
  { methods: ['POST', 'PUT', 'PATCH', 'DELETE'], path: /^\/two_factor\/.+$/, kind: 'two_factor' },
  {
    methods: ['POST', 'PUT', 'PATCH'],
    path: /^\/(profile|me|user\/me|users\/me)(\/[^/]+)*\/?$/,
    kind: 'profile',
  },
  { methods: ['GET'], path: /^\/(validation|validate-session)\/?$/, kind: 'validation' },
];

/** Paths the rate-limit seam applies to: where passwords are guessed and mail is sent. */
export const DEFAULT_RATE_LIMITED = /^\/(login|register(\/public)?|password-reset\/[^/]+)\/?$/;

export function findEffect(
  rules: readonly EffectRule[],
  method: string,
  rest: string,
): EffectKind | undefined {
  for (const rule of rules) if (rule.methods.includes(method) && rule.path.test(rest)) return rule.kind;
  return undefined;
}

/** Effects that read the answer's body (the new session id of a refresh, the user of a password change). */
export function needsBody(kind: EffectKind): boolean {
  return kind === 'refresh' || kind === 'password';
}

export type EndReason = 'logout' | 'refresh' | 'rejected';
export type ChangeReason = 'password' | 'two_factor' | 'profile' | 'refresh';

export interface SessionChange {
  /** The user whose credentials changed, when Flowless's answer names it. */
  userId?: string;
  /** Flowless ends the user's other sessions on this change (password change and reset). */
  endOthers: boolean;
  reason: ChangeReason;
}

export interface EffectHooks {
  onSessionEnded?: (sessionIds: string[], info: { reason: EndReason }) => unknown;
  onSessionChanged?: (sessionId: string | undefined, change: SessionChange) => unknown;
}

function pick(source: unknown, ...path: string[]): unknown {
  let at = source;
  for (const key of path) {
    if (typeof at !== 'object' || at === null) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

function firstString(...values: unknown[]): string | undefined {
  for (const v of values) if (typeof v === 'string' && v !== '') return v;
  return undefined;
}

/** The user id of an answer, in any of the shapes Flowless uses. */
export function userIdOf(body: unknown): string | undefined {
  return firstString(
    pick(body, 'user', 'id'),
    pick(body, 'data', 'user', 'id'),
    pick(body, 'user_id'),
    pick(body, 'data', 'user_id'),
  );
}

/** The session id a refresh answered with (top level or under data, either spelling). */
export function sessionIdOf(body: unknown): string | undefined {
  return firstString(
    pick(body, 'session_id'),
    pick(body, 'sessionId'),
    pick(body, 'data', 'session_id'),
    pick(body, 'data', 'sessionId'),
  );
}

/**
 * Runs the hooks for one answered call. `body` is the parsed answer when needsBody(kind), else
 * undefined. Awaited by the gateway before the answer leaves, so the client's next request already
 * meets the evicted cache.
 */
export async function applyEffect(
  kind: EffectKind,
  status: number,
  sessionId: string | undefined,
  body: unknown,
  hooks: EffectHooks,
): Promise<void> {
  const ok = status >= 200 && status < 300;
  if (kind === 'validation') {
    if (status === 401 && sessionId) await hooks.onSessionEnded?.([sessionId], { reason: 'rejected' });
    return;
  }
  if (!ok) return;
  switch (kind) {
    case 'logout':
      if (sessionId) await hooks.onSessionEnded?.([sessionId], { reason: 'logout' });
      return;
    case 'refresh': {
      if (!sessionId) return;
      const next = sessionIdOf(body);
      // A new id retires the old one; the same id with a later expiry must be re-read, not served stale.
      if (next !== undefined && next !== sessionId)
        await hooks.onSessionEnded?.([sessionId], { reason: 'refresh' });
      else await hooks.onSessionChanged?.(sessionId, { endOthers: false, reason: 'refresh' });
      return;
    }
    case 'password': {
      const userId = userIdOf(body);
      await hooks.onSessionChanged?.(sessionId, {
        ...(userId !== undefined ? { userId } : {}),
        endOthers: true,
        reason: 'password',
      });
      return;
    }
    case 'two_factor':
    case 'profile':
      if (sessionId) await hooks.onSessionChanged?.(sessionId, { endOthers: false, reason: kind });
      return;
  }
}
