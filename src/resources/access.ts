import type { Context, MiddlewareHandler } from 'hono';
import { authenticate, authenticateOptional, type Session, userTypeNotAllowed } from '../auth/index.js';
import type { Operation, Resource } from './define.js';
import type { Scope } from './sql.js';

/**
 * The access rules of a resource applied to one request: who may run the operation (401/403 otherwise)
 * and which rows it sees. Under `owner`, another user's row is outside the scope, so reading,
 * changing or deleting it answers 404 exactly like an id that does not exist: ids do not leak.
 */
export interface Access {
  scope: Scope;
  session: Session | undefined;
}

declare module 'hono' {
  interface ContextVariableMap {
    /** Set by requireAccess() for the handler after it. */
    resource_access: Access;
  }
}

const READS: ReadonlySet<Operation> = new Set(['list', 'read']);

export async function resolveAccess(c: Context, resource: Resource, op: Operation): Promise<Access> {
  const rule = resource.access[op];
  const reading = READS.has(op);
  if (rule === 'public') return { scope: { kind: 'all' }, session: await authenticateOptional(c) };
  // Guests may read the rows publicWhen marks public.
  const session =
    rule === 'owner' && reading && resource.publicWhen
      ? await authenticateOptional(c)
      : await authenticate(c);
  if (!session) return { scope: { kind: 'public' }, session };
  if (typeof rule === 'object') {
    if (session.user_type === null || !rule.userTypes.includes(session.user_type)) throw userTypeNotAllowed();
    return { scope: { kind: 'all' }, session };
  }
  if (rule === 'authenticated') return { scope: { kind: 'all' }, session };
  if (session.user_type !== null && resource.adminUserTypes.has(session.user_type))
    return { scope: { kind: 'all' }, session };
  return { scope: { kind: 'owner', userId: session.user_id, includePublic: reading }, session };
}

/** Whether a row (already loaded, e.g. from the cache) is inside a scope. */
export function inScope(resource: Resource, scope: Scope, row: Record<string, unknown>): boolean {
  if (scope.kind === 'all') return true;
  const isPublic = resource.publicWhen !== undefined && row[resource.publicWhen] === true;
  if (scope.kind === 'public') return isPublic;
  return row[resource.owner!] === scope.userId || (scope.includePublic && isPublic);
}

/** resolveAccess as a middleware, so a write is refused (401/403) before its body is validated. */
export function requireAccess(resource: Resource, op: Operation): MiddlewareHandler {
  return async (c, next) => {
    c.set('resource_access', await resolveAccess(c, resource, op));
    await next();
  };
}
