import type { MiddlewareHandler } from 'hono';
import { FlowfullConfigError } from '../errors.js';
import { userTypeNotAllowed } from './errors.js';
import { authenticate, authenticateOptional, checkUserTypes } from './middleware.js';
import type { Session } from './types.js';

/** One entry of the declarative permissions table (the seed's ROUTE_PERMISSIONS). */
export interface RoutePermission {
  /** true (default): a valid session is required. false: optional auth, guests pass (see allowedUserTypes). */
  requireAuth?: boolean;
  /**
   * User types admitted. With requireAuth false, `guest` admits requests without a session. `anonymous`
   * (with requireAuth false) makes the route public: no session is even looked at.
   */
  allowedUserTypes?: string[];
  /** Shorthand for allowedUserTypes = the admin types (default `admin`, `super_admin`). */
  adminOnly?: boolean;
  /** No authentication at all (same as allowedUserTypes ['anonymous'] with requireAuth false). */
  public?: boolean;
  /** Informative for handlers (they check ownership); the entry is available as c.get('route_permission'). */
  ownershipCheck?: boolean;
  /** HTTP methods the entry applies to; default all. */
  methods?: string[];
}

export type RoutePermissions = Record<string, RoutePermission>;

export interface RoutePermissionsOptions {
  /** User types adminOnly admits. Default ['admin', 'super_admin']. */
  adminTypes?: string[];
}

declare module 'hono' {
  interface ContextVariableMap {
    /** The permissions-table entry that applied to this request. */
    route_permission: RoutePermission;
  }
}

const LITERAL = 3;
const PARAM = 2;
const WILDCARD = 1;

interface Segment {
  rank: number;
  text: string;
}

interface CompiledEntry {
  pattern: string;
  segments: Segment[];
  wildcard: boolean;
  methods: ReadonlySet<string> | undefined;
  permission: RoutePermission;
  mode: 'public' | 'required' | 'optional';
  types: ReadonlySet<string> | undefined;
}

function splitPath(path: string): string[] {
  return path.split('/').filter((s) => s !== '');
}

function compilePattern(pattern: string): { segments: Segment[]; wildcard: boolean } {
  if (typeof pattern !== 'string' || !pattern.startsWith('/')) {
    throw new FlowfullConfigError(`routePermissions: pattern "${pattern}" must start with "/"`);
  }
  const parts = splitPath(pattern);
  const wildcard = parts[parts.length - 1] === '*';
  if (wildcard) parts.pop();
  if (parts.some((p) => p.includes('*'))) {
    throw new FlowfullConfigError(
      `routePermissions: in "${pattern}", "*" is only allowed as the last segment`,
    );
  }
  const segments = parts.map((text) => ({ rank: text.startsWith(':') ? PARAM : LITERAL, text }));
  return { segments, wildcard };
}

function compileEntry(pattern: string, permission: RoutePermission, adminTypes: string[]): CompiledEntry {
  const { segments, wildcard } = compilePattern(pattern);
  const listed = permission.adminOnly ? adminTypes : permission.allowedUserTypes;
  const types = listed === undefined ? undefined : checkUserTypes(listed, `routePermissions "${pattern}"`);
  const optional = permission.requireAuth === false;
  const isPublic = permission.public === true || (optional && types?.has('anonymous') === true);
  return {
    pattern,
    segments,
    wildcard,
    methods: permission.methods ? new Set(permission.methods.map((m) => m.toUpperCase())) : undefined,
    permission,
    mode: isPublic ? 'public' : optional ? 'optional' : 'required',
    types,
  };
}

function matches(entry: CompiledEntry, parts: string[]): boolean {
  const { segments, wildcard } = entry;
  if (wildcard ? parts.length < segments.length : parts.length !== segments.length) return false;
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    if (seg.rank === LITERAL && seg.text !== parts[i]) return false;
  }
  return true;
}

/** Rank of the pattern at position i: literal > :param > the end of an exact pattern > the wildcard's tail. */
function rankAt(entry: CompiledEntry, i: number): number {
  const seg = entry.segments[i];
  if (seg !== undefined) return seg.rank;
  return entry.wildcard ? WILDCARD : LITERAL;
}

/** Positive when a is more specific: compared segment by segment from the left. */
function compareSpecificity(a: CompiledEntry, b: CompiledEntry): number {
  const length = Math.max(a.segments.length, b.segments.length) + 1;
  for (let i = 0; i < length; i++) {
    const diff = rankAt(a, i) - rankAt(b, i);
    if (diff !== 0) return diff;
  }
  return 0;
}

/** The most specific entry matching this request; on a tie the one declared first. */
export function matchRoutePermission(
  entries: readonly CompiledEntry[],
  method: string,
  path: string,
): CompiledEntry | undefined {
  const parts = splitPath(path);
  let best: CompiledEntry | undefined;
  for (const entry of entries) {
    if (entry.methods !== undefined && !entry.methods.has(method)) continue;
    if (!matches(entry, parts)) continue;
    if (best === undefined || compareSpecificity(entry, best) > 0) best = entry;
  }
  return best;
}

export function compileRoutePermissions(
  table: RoutePermissions,
  options: RoutePermissionsOptions = {},
): CompiledEntry[] {
  const adminTypes = options.adminTypes ?? ['admin', 'super_admin'];
  return Object.entries(table).map(([pattern, permission]) => compileEntry(pattern, permission, adminTypes));
}

function checkType(entry: CompiledEntry, session: Session): void {
  if (entry.types === undefined) return;
  if (session.user_type === null || !entry.types.has(session.user_type)) throw userTypeNotAllowed();
}

/**
 * One app-level middleware applying a permissions table: for each request the most specific matching
 * pattern decides (exact > `:param` > `*`, compared from the left). Paths that match no pattern pass
 * untouched. Needs authContext(auth) before it.
 */
export function routePermissions(
  table: RoutePermissions,
  options: RoutePermissionsOptions = {},
): MiddlewareHandler {
  const entries = compileRoutePermissions(table, options);
  return async (c, next) => {
    const entry = matchRoutePermission(entries, c.req.method, c.req.path);
    if (entry === undefined) return next();
    c.set('route_permission', entry.permission);
    if (entry.mode === 'required') {
      checkType(entry, await authenticate(c));
    } else if (entry.mode === 'optional') {
      const session = await authenticateOptional(c);
      if (session !== undefined) checkType(entry, session);
      // Guests not admitted: authenticate() gives the precise 401 (no id, invalid, expired).
      else if (entry.types !== undefined && !entry.types.has('guest')) await authenticate(c);
    }
    await next();
  };
}
