/** An in-memory WorkshopSource: the workshop rows GaugeStore.workshops would read, given directly. */
import type { WorkshopSource } from '../../../src/aggregate/alert-checks.js';
import type { WorkshopRow } from '../../../src/aggregate/gauge-store.js';

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
