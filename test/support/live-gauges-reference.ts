/**
 * Reference values of the live gauges (docs/metrics.md) and of event counts over a time range, for tests:
 * computed from the raw events by filtering the list directly, independent of src/aggregate and of the
 * projections the service keeps in PostgreSQL.
 */
import type { DemoEvent } from '../../scripts/demo/programme.js';

const DAY = 86_400_000;
const t = (e: DemoEvent) => Date.parse(e.occurred_at);
const byTimeThenId = (a: DemoEvent, b: DemoEvent) => t(a) - t(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Events of one of `types` with occurred_at in [fromMs, toMs], both ends included (SQL BETWEEN). */
export function countBetween(events: readonly DemoEvent[], types: readonly string[], fromMs: number, toMs: number) {
  return events.filter((e) => types.includes(e.type) && t(e) >= fromMs && t(e) <= toMs).length;
}

/** round(100 × part ÷ whole, 1 decimal), half away from zero as PostgreSQL's numeric round; null for whole 0. */
export function percent1(part: number, whole: number): number | null {
  if (whole === 0) return null;
  const tenths = (2000n * BigInt(part) + BigInt(whole)) / (2n * BigInt(whole)); // part, whole >= 0
  return Number(tenths) / 10;
}

export interface LiveGauges {
  signupsStarted24h: number;
  signupsCompleted24h: number;
  emailsSent24h: number;
  emailsFailed24h: number;
  /** Approve and reject decisions in the last 7 days. */
  approvals7d: number;
  /** Average seconds from the workshop's first workshop_signup_success to each of those decisions. */
  approvalTimeAvg7dSeconds: number | null;
  /** Pending applications (a signup success, no approval or rejection): workshop id → first signup success (ms). */
  pendingSubmittedMs: Map<string, number>;
  /** Approved workshops whose latest of approved / suspended / reactivated is not a suspension. */
  activeWorkshops: number;
}

/** The gauges as a refresh at `nowMs` should export them: "last 24 hours" / "last 7 days" end at `nowMs`. */
export function liveGauges(all: readonly DemoEvent[], nowMs: number): LiveGauges {
  const seen = new Set<string>();
  const events = all.filter((e) => t(e) <= nowMs && !seen.has(e.id) && seen.add(e.id));
  const since = (ms: number) => events.filter((e) => t(e) >= nowMs - ms);
  const last24h = since(DAY);
  const count = (list: DemoEvent[], test: (type: string) => boolean) => list.filter((e) => test(e.type)).length;

  const firstSignup = new Map<string, number>();
  for (const e of events)
    if (e.type === 'workshop_signup_success')
      firstSignup.set(e.workshop_id!, Math.min(firstSignup.get(e.workshop_id!) ?? Infinity, t(e)));
  const decisions = since(7 * DAY).filter((e) => e.type === 'workshop_approved' || e.type === 'workshop_rejected');
  const waits = decisions
    .filter((e) => firstSignup.has(e.workshop_id!))
    .map((e) => (t(e) - firstSignup.get(e.workshop_id!)!) / 1000);

  const decided = new Set(
    events.filter((e) => e.type === 'workshop_approved' || e.type === 'workshop_rejected').map((e) => e.workshop_id),
  );
  const pendingSubmittedMs = new Map([...firstSignup].filter(([w]) => !decided.has(w)));

  let activeWorkshops = 0;
  for (const w of new Set(events.filter((e) => e.type === 'workshop_approved').map((e) => e.workshop_id))) {
    const lifecycle = events
      .filter(
        (e) =>
          e.workshop_id === w && ['workshop_approved', 'workshop_suspended', 'workshop_reactivated'].includes(e.type),
      )
      .sort(byTimeThenId);
    if (lifecycle[lifecycle.length - 1]!.type !== 'workshop_suspended') activeWorkshops++;
  }

  return {
    signupsStarted24h: count(last24h, (type) => type === 'workshop_signup_started'),
    signupsCompleted24h: count(last24h, (type) => type === 'workshop_signup_success'),
    emailsSent24h: count(last24h, (type) => /^email_.+_sent$/.test(type)),
    emailsFailed24h: count(last24h, (type) => /^email_.+_failed$/.test(type)),
    approvals7d: decisions.length,
    approvalTimeAvg7dSeconds: waits.length ? waits.reduce((s, x) => s + x, 0) / waits.length : null,
    pendingSubmittedMs,
    activeWorkshops,
  };
}

/**
 * The beta workshops (docs/metrics.md, workshop_beta_workshops): workshops whose first workshop_approved occurred in
 * [startMs, endMs), in milestone order (first approval, then workshop id); milestone n is the n-th.
 */
export function betaApprovals(
  all: readonly DemoEvent[],
  startMs: number,
  endMs: number,
): Array<{ workshopId: string; approvedAtMs: number }> {
  const first = new Map<string, number>();
  for (const e of all)
    if (e.type === 'workshop_approved')
      first.set(e.workshop_id!, Math.min(first.get(e.workshop_id!) ?? Infinity, t(e)));
  return [...first]
    .filter(([, ms]) => ms >= startMs && ms < endMs)
    .map(([workshopId, approvedAtMs]) => ({ workshopId, approvedAtMs }))
    .sort((a, b) => a.approvedAtMs - b.approvedAtMs || (a.workshopId < b.workshopId ? -1 : 1));
}
