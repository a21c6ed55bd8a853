/**
 * The per-workshop KPI gauges (the ~420,000 series of 50,000 workshops) as samples, kept from one snapshot to the
 * next: a workshop whose labels and value of a gauge are unchanged keeps that gauge's sample object, so telemetry's
 * exposition copies its line from the previous render instead of formatting it again (SnapshotExposition). A
 * workshop whose row is the same object as in the previous snapshot keeps all its samples without a look at its
 * values; a new row object is compared value by value (so the reuse does not depend on the refresher keeping rows).
 */
import { KPI_GAUGES, type MetricSpec } from '../catalogue/metric-catalogue.js';
import { defaultRegion } from '../catalogue/regions.js';
import type { WorkshopGauges } from './gauge-refresher.js';

/** One series of a gauge: its labels (none for a single-series gauge) and value. Not changed once sampled. */
export interface GaugeSample {
  readonly labels?: Readonly<Record<string, string>>;
  readonly value: number;
}

type Labels = Readonly<Record<string, string>>;
type Status = WorkshopGauges['status'];

const secs = (ms: number | null) => (ms === null ? null : ms / 1000);

/** Each per-workshop gauge: the status of the workshops it describes (any: all) and its value (null: no series). */
const k = KPI_GAUGES;
const PER_WORKSHOP: ReadonlyArray<readonly [MetricSpec, Status | 'any', (w: WorkshopGauges) => number | null]> = [
  [k.submittedAt, 'pending', (w) => secs(w.submittedAtMs)],
  // the last dashboard access, or the approval when the workshop never logged in
  [k.lastAccess, 'active', (w) => secs(w.lastDashboardAccessMs ?? w.approvedAtMs)],
  [k.mechanicsActive, 'active', (w) => w.mechanicsActive],
  [k.capacity, 'active', (w) => w.capacity],
  [k.invitesSent, 'active', (w) => w.invitesSent30d],
  [k.invitesAccepted, 'active', (w) => w.invitesAccepted30d],
  [k.invitesResolved, 'active', (w) => w.invitesResolved30d],
  [k.lastInvite, 'active', (w) => secs(w.lastInviteMs)],
  [k.sessions, 'active', (w) => w.sessions30d],
  [k.health, 'active', (w) => w.health?.score ?? null],
  // the names, joined in dashboards through workshop_info (labelled with infoLabels, not {workshop_id})
  [k.info, 'any', (w) => (w.name === null ? null : 1)],
];
const INFO = PER_WORKSHOP.length - 1;

/** The names of the gauges sampled here. */
export const PER_WORKSHOP_GAUGES: readonly MetricSpec[] = PER_WORKSHOP.map(([spec]) => spec);

const infoLabels = (w: WorkshopGauges): Labels => ({
  workshop_id: w.workshopId,
  name: w.name ?? '',
  city: w.city ?? '',
  // a row projected before regions existed has none until `npm run rebuild-projections`
  region: w.region ?? defaultRegion(w.city) ?? '',
  status: w.status ?? 'unknown',
});
/** Whether `l` are the workshop_info labels of `w`, a row of the same workshop (without building them anew). */
const sameInfo = (l: Labels, w: WorkshopGauges) =>
  l.name === (w.name ?? '') &&
  l.city === (w.city ?? '') &&
  l.status === (w.status ?? 'unknown') &&
  l.region === (w.region ?? defaultRegion(w.city) ?? '');

/**
 * What a workshop had in the last snapshot: its row object, labels objects, and sample per gauge (or none). When a
 * new row object has the same labels and values, the entry is kept with the new row (nothing is allocated).
 */
interface Kept {
  row: WorkshopGauges;
  /** `{workshop_id}`, shared by all its gauges but workshop_info (labels objects are rendered once each). */
  readonly id: Labels;
  readonly info: Labels;
  readonly samples: ReadonlyArray<GaugeSample | null>;
}

/** Gauge `i`'s sample of `w`: `was` when its labels and value are unchanged, a new one when they changed, or none. */
function sampleOf(i: number, w: WorkshopGauges, labels: Labels, was: GaugeSample | null): GaugeSample | null {
  const gauge = PER_WORKSHOP[i]!; // indexed, not destructured: this runs 11 times per workshop and refresh
  if (gauge[1] !== 'any' && w.status !== gauge[1]) return null;
  const v = gauge[2](w);
  if (v === null) return null;
  return was !== null && was.labels === labels && Object.is(was.value, v) ? was : { labels, value: v };
}

function keep(w: WorkshopGauges, old: Kept | undefined): Kept {
  if (old === undefined) {
    const id = { workshop_id: w.workshopId };
    const info = infoLabels(w);
    return { row: w, id, info, samples: PER_WORKSHOP.map((_, i) => sampleOf(i, w, i === INFO ? info : id, null)) };
  }
  const info = sameInfo(old.info, w) ? old.info : infoLabels(w);
  let samples = old.samples;
  for (let i = 0; i < PER_WORKSHOP.length; i++) {
    const was = old.samples[i]!;
    const now = sampleOf(i, w, i === INFO ? info : old.id, was);
    if (now === was) continue;
    if (samples === old.samples) samples = [...old.samples];
    (samples as Array<GaugeSample | null>)[i] = now;
  }
  if (samples === old.samples && info === old.info) {
    old.row = w;
    return old;
  }
  return { row: w, id: old.id, info, samples };
}

/**
 * Returns a function from the snapshot's workshops (in their order) to the samples of each per-workshop gauge, by
 * metric name, in the same order. It remembers the last call's workshops only: one that is gone is forgotten.
 * The workshops come in workshop_id order, so the last call's entry of a workshop is looked for first where the
 * previous one's ended (no lookup by id at all when no workshop came or went); by id when that is not it.
 */
export function workshopSamples(): (workshops: readonly WorkshopGauges[]) => Map<string, GaugeSample[]> {
  let kept: Kept[] = [];
  return (workshops) => {
    const last = kept;
    let byId: Map<string, number> | undefined;
    const find = (id: string, from: number) => {
      if (from < last.length && last[from]!.row.workshopId === id) return from;
      byId ??= new Map(last.map((k, i) => [k.row.workshopId, i]));
      return byId.get(id) ?? -1;
    };
    const next: Kept[] = new Array(workshops.length);
    const lists: GaugeSample[][] = PER_WORKSHOP.map(() => []);
    let cursor = 0;
    for (let n = 0; n < workshops.length; n++) {
      const w = workshops[n]!;
      const at = find(w.workshopId, cursor);
      const old = at < 0 ? undefined : last[at];
      if (at >= 0) cursor = at + 1;
      const now = old?.row === w ? old : keep(w, old);
      next[n] = now;
      for (let i = 0; i < lists.length; i++) {
        const s = now.samples[i];
        if (s) lists[i]!.push(s);
      }
    }
    kept = next;
    return new Map(PER_WORKSHOP.map(([spec], i) => [spec.name, lists[i]!]));
  };
}
