/**
 * Invite acceptance, one definition for the live gauges, the hourly check, the health score and the docs: among
 * the invitations sent in the last 30 days, those accepted divided by those resolved (accepted, expired, or older
 * than INVITE_TTL_DAYS). Invitations still open are left out, so a workshop that has just sent six invitations
 * does not read 0%.
 */
import { THRESHOLDS } from './thresholds.js';

export const INVITE_ACCEPTANCE_DEFINITION =
  'invitations sent in the last 30 days that were accepted ÷ those of them that are resolved ' +
  '(accepted, expired, or sent more than INVITE_TTL_DAYS ago); invitations still open do not count';

export interface InviteCounts {
  invitesAccepted30d: number;
  invitesResolved30d: number;
}

/** Accepted / resolved (0..1), or null when no invitation of the window is resolved yet. */
export function inviteAcceptance(c: InviteCounts): number | null {
  return c.invitesResolved30d > 0 ? c.invitesAccepted30d / c.invitesResolved30d : null;
}

/** The plan's "low invite acceptance": below 50% over at least 5 resolved invitations. */
export function lowInviteAcceptance(c: InviteCounts): boolean {
  const rate = inviteAcceptance(c);
  return (
    rate !== null && c.invitesResolved30d >= THRESHOLDS.lowAcceptanceMinInvites && rate < THRESHOLDS.lowAcceptanceRate
  );
}
