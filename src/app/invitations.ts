import type { Kysely } from 'kysely';
import { AppError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { TrustTokenService, VerifiedToken } from '../tokens/index.js';
import { tokenError } from '../tokens/index.js';
import type { AppRepositories, OrganizationMember } from './repositories.js';

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

/**
 * The one comparison of email addresses in the starter: Unicode NFC, then A-Z folded to a-z and
 * nothing else, so that no non-ASCII letter can become an ASCII one through case folding (JavaScript's
 * toLowerCase() turns the Kelvin sign U+212A into `k`). NFC itself maps a few characters to ASCII
 * (U+212A to `K`, U+037E to `;`): an address holding one of those matches nothing (undefined).
 */
export function normalizeEmail(email: string): string | undefined {
  const nfc = email.normalize('NFC');
  for (const ch of email) {
    if (ch.charCodeAt(0) > 0x7f && isAscii(ch.normalize('NFC'))) return undefined;
  }
  return nfc.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

const VERIFIED_FIELDS = ['is_verified', 'email_verified', 'emailVerified', 'isVerified'] as const;

/** Whether Flowless reported the user's email as verified (current Flowless sends `user.is_verified`). */
export function emailVerified(user: Record<string, unknown>): boolean {
  return VERIFIED_FIELDS.some((field) => user[field] === true || user[field] === 1);
}

export interface InvitationClaims {
  [key: string]: string;
  organization_id: string;
  role: string;
  invited_by: string;
}

/** The table recording which invitation tokens were redeemed, by whom: the authority on single use. */
export const REDEMPTIONS_TABLE = 'invitation_redemptions';

/**
 * Records the redemption and creates the membership in one transaction, so the database decides: the
 * primary key on jti lets one redemption of a token commit, the unique (organization, user) lets one
 * membership exist. Either refusal rolls both back, so a token is never spent without a membership.
 * Every loser of a race for one token gets TOKEN_ALREADY_USED; a second, different token for a user who
 * is (now) a member gets CONFLICT and stays unspent.
 */
export async function redeemInvitation(
  // biome-ignore lint/suspicious/noExplicitAny: the starter's tables are described by its repositories
  db: Kysely<any>,
  repos: AppRepositories,
  invitation: VerifiedToken<InvitationClaims>,
  userId: string,
): Promise<OrganizationMember> {
  const { organization_id, role } = invitation.data;
  try {
    return await db.transaction().execute(async (trx) => {
      await trx
        .insertInto(REDEMPTIONS_TABLE)
        .values({ jti: invitation.jti, organization_id, user_id: userId, redeemed_at: Date.now() })
        .execute();
      return repos.members.withDb(trx).create({ organization_id, user_id: userId, role });
    });
  } catch (err) {
    // Whatever the dialect's error code, the committed rows say which rule refused.
    const spent = await db
      .selectFrom(REDEMPTIONS_TABLE)
      .select('jti')
      .where('jti', '=', invitation.jti)
      .executeTakeFirst();
    if (spent) throw tokenError('TOKEN_ALREADY_USED', 'Token has already been used');
    const member = await repos.members.list({ where: { organization_id, user_id: userId }, limit: 1 });
    if (member.rows.length > 0) throw new AppError('CONFLICT', 'Already a member');
    throw err;
  }
}

/**
 * After the commit, tells the token service too, so that verify() elsewhere reports the token used.
 * Best effort: the redemptions table already decided, and a failure here changes nothing for the route.
 */
export async function noteConsumed(
  tokens: TrustTokenService,
  invitation: VerifiedToken<InvitationClaims>,
  logger: Logger | undefined,
): Promise<void> {
  const untilMs = invitation.expiresAt.getTime() + 3600_000;
  try {
    await tokens.store.consume(invitation.jti, { untilMs, ttlMs: Math.max(1, untilMs - Date.now()) });
  } catch (err) {
    logger?.warn(
      { reason: (err as Error).message },
      'invitation: could not mark the token used in the token store',
    );
  }
}
