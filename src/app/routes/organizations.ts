import { Hono } from 'hono';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { requireAuth } from '../../auth/index.js';
import { AppError } from '../../errors.js';
import { ok } from '../../http/index.js';
import type { Logger } from '../../log/logger.js';
import type { TrustTokenService } from '../../tokens/index.js';
import {
  emailVerified,
  type InvitationClaims,
  normalizeEmail,
  noteConsumed,
  redeemInvitation,
} from '../invitations.js';
import type { AppRepositories } from '../repositories.js';
import { readBody } from '../validation.js';

const NewOrganization = z.object({ name: z.string().trim().min(1).max(200) });
const NewInvitation = z.object({
  email: z.email().max(254),
  role: z.enum(['member', 'admin']).optional(),
});
const Accept = z.object({ token: z.string().min(1).max(16_384) });

export interface OrganizationRouteOptions {
  /** Accept only when Flowless reports the email verified (INVITATIONS_REQUIRE_VERIFIED_EMAIL). Default true. */
  requireVerifiedEmail?: boolean;
  logger?: Logger;
}

const MANAGERS = new Set(['owner', 'admin']);

/**
 * The invitation flow on trust tokens: a member who manages an organisation invites an email
 * address and receives a single-use token; the invited user, signed in with that email, accepts
 * it once and becomes a member. The token's subject is the invited email (normalizeEmail), so
 * nobody else can redeem it (ownership layer), and only once Flowless says that address is verified;
 * the organisation must still exist (resource layer). See docs/security.md.
 */
export function organizationRoutes(
  repos: AppRepositories,
  tokens: TrustTokenService,
  // biome-ignore lint/suspicious/noExplicitAny: the starter's tables are described by its repositories
  db: Kysely<any>,
  options: OrganizationRouteOptions = {},
): Hono {
  const routes = new Hono();
  const requireVerified = options.requireVerifiedEmail ?? true;

  async function membership(organizationId: string, userId: string) {
    const { rows } = await repos.members.list({
      where: { organization_id: organizationId, user_id: userId },
      limit: 1,
    });
    return rows[0];
  }

  routes.post('/api/v1/organizations', requireAuth(), async (c) => {
    const { name } = await readBody(c, NewOrganization);
    const userId = c.get('user_id');
    const org = await repos.organizations.create({ name, owner_id: userId });
    await repos.members.create({ organization_id: org.id, user_id: userId, role: 'owner' });
    return ok(c, org, { status: 201 });
  });

  routes.post('/api/v1/organizations/:id/invitations', requireAuth(), async (c) => {
    const input = await readBody(c, NewInvitation);
    const org = await repos.organizations.findById(c.req.param('id'));
    if (!org) throw new AppError('NOT_FOUND', 'Organization not found');
    const me = await membership(org.id, c.get('user_id'));
    if (!me || !MANAGERS.has(me.role)) throw new AppError('FORBIDDEN', 'Only owners and admins can invite');
    const claims: InvitationClaims = {
      organization_id: org.id,
      role: input.role ?? 'member',
      invited_by: c.get('user_id'),
    };
    const sub = normalizeEmail(input.email);
    if (sub === undefined) throw new AppError('VALIDATION_FAILED', 'Invalid email address');
    const issued = await tokens.issue('invitation', { sub, ...claims });
    return ok(c, { token: issued.token, expires_at: issued.expiresAt.toISOString() }, { status: 201 });
  });

  routes.post('/api/v1/invitations/accept', requireAuth(), async (c) => {
    const { token } = await readBody(c, Accept);
    const session = c.get('session');
    if (requireVerified && !emailVerified(session.user)) {
      throw new AppError('EMAIL_NOT_VERIFIED', 'Verify your email address before accepting an invitation');
    }
    const email = session.email === null ? undefined : normalizeEmail(session.email);
    const expectations = {
      type: 'invitation',
      hooks: {
        ownership: (t: { subject: string | undefined }) => email !== undefined && t.subject === email,
        resource: async (t: { data: InvitationClaims }) =>
          (await repos.organizations.findById(t.data.organization_id)) !== undefined,
      },
    };
    // Read-only checks first; the single use is decided by the database together with the membership.
    const invitation = await tokens.verify<InvitationClaims>(token, expectations);
    const member = await redeemInvitation(db, repos, invitation, c.get('user_id'));
    await noteConsumed(tokens, invitation, options.logger);
    return ok(c, member, { status: 201 });
  });

  return routes;
}
