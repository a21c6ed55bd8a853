/** An in-memory WorkshopSource: the workshop rows GaugeStore.workshops would read, given directly. */
import type { WorkshopSource } from '../../../src/aggregate/alert-checks.js';
import type { WorkshopGauges } from '../../../src/aggregate/gauge-refresher.js';
import type { RollingCounts, WorkshopRow } from '../../../src/aggregate/gauge-store.js';

/** A workshop row with neutral defaults (active nothing, no times, no invites); override what a test needs. */
export function workshopRow(overrides: Partial<WorkshopRow> & Pick<WorkshopRow, 'workshopId'>): WorkshopRow {
  return {
    name: `Shop ${overrides.workshopId}`,
    city: 'Toronto',
    region: 'GTA',
    status: 'active',
    submittedAtMs: null,
    approvedAtMs: null,
    lastDashboardAccessMs: null,
    capacity: null,
    profileCompleteness: null,
    mechanicsActive: 0,
    mechanicsJoined: 0,
    invitesSent30d: 0,
    invitesAccepted30d: 0,
    invitesResolved30d: 0,
    lastInviteMs: null,
    sessions30d: 0,
    revenue30dCents: 0,
    revenuePrev30dCents: 0,
    ...overrides,
  };
}

/**
 * A live-gauge row (a workshop row with its health) with typical values at `nowMs`: submitted an hour before, active
 * ones approved two hours before with health 71; override what a test needs.
 */
export function gaugesRow(
  id: string,
  status: WorkshopGauges['status'],
  nowMs: number,
  over: Partial<WorkshopGauges> = {},
): WorkshopGauges {
  return {
    ...workshopRow({
      workshopId: id,
      name: `W ${id}`,
      status,
      submittedAtMs: nowMs - 3_600_000,
      approvedAtMs: status === 'active' ? nowMs - 7_200_000 : null,
      capacity: 10,
      profileCompleteness: 80,
      mechanicsActive: 2,
      mechanicsJoined: 3,
      invitesSent30d: 4,
      invitesAccepted30d: 1,
      invitesResolved30d: 2,
      sessions30d: 5,
      revenue30dCents: 1000,
      revenuePrev30dCents: 900,
    }),
    health: status === 'active' ? { score: 71, status: 'healthy' } : null,
    ...over,
  };
}

/** Rolling counts of a quiet day: nothing signed up, sent or approved. */
export const NO_ROLLING: RollingCounts = {
  signupsStarted24h: 0,
  signupsCompleted24h: 0,
  emailsSent24h: 0,
  emailsFailed24h: 0,
  emailsSent1h: 0,
  emailFailures1h: 0,
  approvals7d: 0,
  approvalTimeAvg7dSeconds: null,
};

export class FakeGaugeStore implements WorkshopSource {
  /** The `nowMs` of every workshops() call. */
  readonly reads: number[] = [];
  /** Called at every read (e.g. to log the order of calls across fakes). */
  onRead: () => void = () => {};

  constructor(public rows: WorkshopRow[] = []) {}

  async workshops(nowMs: number, id?: string): Promise<WorkshopRow[]> {
    this.reads.push(nowMs);
    this.onRead();
    return this.rows
      .filter((w) => id === undefined || w.workshopId === id)
      .sort((a, b) => (a.workshopId < b.workshopId ? -1 : a.workshopId > b.workshopId ? 1 : 0))
      .map((w) => ({ ...w }));
  }
}
