import { Hono } from 'hono';
import { z } from 'zod';
import { requireAuth } from '../../auth/index.js';
import { AppError } from '../../errors.js';
import { ok } from '../../http/index.js';
import type { TrustTokenService } from '../../tokens/index.js';
import type { AppRepositories } from '../repositories.js';
import { readBody } from '../validation.js';

const NewOrganization = z.object({ name: z.string().trim().min(1).max(200) });
const NewInvitation = z.object({
  email: z.email().max(254),
  role: z.enum(['member', 'admin']).optional(),
});
const Accept = z.object({ token: z.string().min(1).max(16_384) });

interface InvitationClaims {
  [key: string]: string;
  organization_id: string;
  role: string;
  invited_by: string;
}

const MANAGERS = new Set(['owner', 'admin']);

/**
 * The invitation flow on trust tokens: a member who manages an organisation invites an email
 * address and receives a single-use token; the invited user, signed in with that email, accepts
 * it once and becomes a member. The token's subject is the invited email, so nobody else can
 * redeem it (ownership layer); the organisation must still exist (resource layer).
 */
export function organizationRoutes(repos: AppRepositories, tokens: TrustTokenService): Hono {
  const routes = new Hono();

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
    const issued = await tokens.issue('invitation', { sub: input.email.toLowerCase(), ...claims });
    return ok(c, { token: issued.token, expires_at: issued.expiresAt.toISOString() }, { status: 201 });
  });

  routes.post('/api/v1/invitations/accept', requireAuth(), async (c) => {
    const { token } = await readBody(c, Accept);
    const email = c.get('session').email?.toLowerCase();
    const userId = c.get('user_id');
    const expectations = {
      type: 'invitation',
      hooks: {
        ownership: (t: { subject: string | undefined }) => email !== undefined && t.subject === email,
        resource: async (t: { data: InvitationClaims }) =>
          (await repos.organizations.findById(t.data.organization_id)) !== undefined,
      },
    };
    // Checked before consuming, so a member who clicks an invitation twice does not burn it.
    const verified = await tokens.verify<InvitationClaims>(token, expectations);
    const { organization_id, role } = verified.data;
    if (await membership(organization_id, userId)) throw new AppError('CONFLICT', 'Already a member');
    await tokens.consume<InvitationClaims>(token, expectations);
    const member = await repos.members.create({ organization_id, user_id: userId, role });
    return ok(c, member, { status: 201 });
  });

  return routes;
}
