/**
 * The hourly checks of the plan (stuck applications, approval backlog, inactive workshops, invitation expiry,
 * low invite acceptance). They report what they find; paging is Prometheus' job (prometheus/alerts).
 */
import { createHash } from 'node:crypto';
import type { GaugeStore, WorkshopRow } from './gauge-store.js';
import { inviteAcceptance, lowInviteAcceptance } from './invite-acceptance.js';
import type { ExpirableInvitation } from './invite-store.js';
import { THRESHOLDS } from './thresholds.js';

export const CHECK_TYPES = [
  'stuck_applications',
  'approval_backlog',
  'inactive_workshops',
  'expired_invitations',
  'low_invite_acceptance',
] as const;
export type CheckType = (typeof CHECK_TYPES)[number];

export interface CheckResult {
  triggered: boolean;
  count: number;
  threshold: number;
  items: Array<Record<string, unknown>>;
}

/** The workshops the checks read (GaugeStore in production, an in-memory fake in unit tests). */
export type WorkshopSource = Pick<GaugeStore, 'workshops'>;

/** Invitations past their TTL, not accepted or expired, oldest first (InviteStore in production). */
export interface InviteSource {
  expirable(nowMs: number, ttlDays: number): Promise<ExpirableInvitation[]>;
}

/** Submits events through the normal ingest path (validation, group commit, metrics). */
export type Ingest = (events: Array<Record<string, unknown>>) => Promise<{ accepted: number; duplicates: number }>;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const who = (w: WorkshopRow) => ({ workshop_id: w.workshopId, name: w.name, city: w.city });

/** A stable uuid for "invite X expired", so the event is stored once however often the check runs. */
export function expiryEventId(inviteId: string): string {
  const h = createHash('sha1').update(`mechanic_invite_expired:${inviteId}`).digest('hex');
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export class AlertChecks {
  constructor(
    private readonly workshops: WorkshopSource,
    private readonly invites: InviteSource,
    private readonly ingest: Ingest,
    private readonly inviteTtlDays: number,
  ) {}

  async run(nowMs: number, only?: CheckType): Promise<Partial<Record<CheckType, CheckResult>>> {
    const types = only ? [only] : CHECK_TYPES;
    const out: Partial<Record<CheckType, CheckResult>> = {};
    // expiry first, so acceptance and inactivity read the invitations it expired
    if (types.includes('expired_invitations')) out.expired_invitations = await this.expireInvitations(nowMs);
    const needsWorkshops = types.some((t) => t !== 'expired_invitations');
    const all = needsWorkshops ? await this.workshops.workshops(nowMs) : [];
    const pending = all.filter((w) => w.status === 'pending');
    const active = all.filter((w) => w.status === 'active');
    if (types.includes('stuck_applications')) {
      const stuck = pending.filter(
        (w) => w.submittedAtMs !== null && nowMs - w.submittedAtMs > THRESHOLDS.stuckApplicationHours * HOUR,
      );
      out.stuck_applications = result(
        stuck.map((w) => ({ ...who(w), pending_hours: round1((nowMs - w.submittedAtMs!) / HOUR) })),
        THRESHOLDS.stuckApplicationHours,
        stuck.length > 0,
      );
    }
    if (types.includes('approval_backlog')) {
      out.approval_backlog = result(
        pending.map(who),
        THRESHOLDS.approvalBacklog,
        pending.length > THRESHOLDS.approvalBacklog,
      );
    }
    if (types.includes('inactive_workshops')) {
      // the plan's churn: no dashboard access (counted from approval) and no invitation sent for 14 days
      const inactive = active.filter((w) => {
        const last = w.lastDashboardAccessMs ?? w.approvedAtMs;
        const invitedRecently = w.lastInviteMs !== null && nowMs - w.lastInviteMs <= THRESHOLDS.inactiveDays * DAY;
        return last !== null && nowMs - last > THRESHOLDS.inactiveDays * DAY && !invitedRecently;
      });
      out.inactive_workshops = result(
        inactive.map((w) => ({
          ...who(w),
          days_since_dashboard_access: round1((nowMs - (w.lastDashboardAccessMs ?? w.approvedAtMs!)) / DAY),
          never_accessed: w.lastDashboardAccessMs === null,
        })),
        THRESHOLDS.inactiveDays,
        inactive.length > 0,
      );
    }
    if (types.includes('low_invite_acceptance')) {
      const low = active.filter(lowInviteAcceptance);
      out.low_invite_acceptance = result(
        low.map((w) => ({
          ...who(w),
          invites_sent_30d: w.invitesSent30d,
          invites_resolved_30d: w.invitesResolved30d,
          invites_accepted_30d: w.invitesAccepted30d,
          acceptance_rate: round1(100 * inviteAcceptance(w)!),
        })),
        THRESHOLDS.lowAcceptanceRate * 100,
        low.length > 0,
      );
    }
    return out;
  }

  /** Emits mechanic_invite_expired (at sent_at + TTL) for invitations past INVITE_TTL_DAYS, once each. */
  private async expireInvitations(nowMs: number): Promise<CheckResult> {
    const due = await this.invites.expirable(nowMs, this.inviteTtlDays);
    let expired = 0;
    for (let i = 0; i < due.length; i += 1000) {
      const chunk = due.slice(i, i + 1000);
      const r = await this.ingest(
        chunk.map((inv) => ({
          id: expiryEventId(inv.inviteId),
          type: 'mechanic_invite_expired',
          workshop_id: inv.workshopId,
          occurred_at: new Date(inv.sentAtMs + this.inviteTtlDays * DAY).toISOString(),
          metadata: { invite_id: inv.inviteId, reason: 'ttl', ttl_days: this.inviteTtlDays },
        })),
      );
      expired += r.accepted;
    }
    return result(
      due.map((d) => ({
        invite_id: d.inviteId,
        workshop_id: d.workshopId,
        sent_at: new Date(d.sentAtMs).toISOString(),
      })),
      this.inviteTtlDays,
      expired > 0,
      expired,
    );
  }
}

const round1 = (x: number) => Math.round(x * 10) / 10;
function result(
  items: Array<Record<string, unknown>>,
  threshold: number,
  triggered: boolean,
  count = items.length,
): CheckResult {
  return { triggered, count, threshold, items };
}
