/**
 * Workshop and mechanic state at the end of each window, from one pass over the lifecycle events in
 * (occurred_at, id) order. An event at exactly a window's end belongs to the next window.
 */
export interface LifecycleEvent {
  type: string;
  workshopId: string;
  mechanicId: string | null;
  atMs: number;
}

export interface StateSnapshot {
  /** Submitted (workshop_signup_success), neither approved nor rejected. */
  pending: number;
  /** Approved, and the latest of approved/suspended/reactivated is not a suspension. */
  active: number;
  suspended: number;
  /** Active workshops with at least one active mechanic. */
  withMechanics: number;
  /** Active mechanics of active workshops. */
  mechanicsActive: number;
  /** Active workshops with more than 3 active mechanics. */
  over3Mechanics: number;
}

export const LIFECYCLE_TYPES = [
  'workshop_signup_success',
  'workshop_approved',
  'workshop_rejected',
  'workshop_suspended',
  'workshop_reactivated',
  'mechanic_invite_accepted',
  'mechanic_removed',
] as const;

interface WorkshopState {
  submitted: boolean;
  approved: boolean;
  rejected: boolean;
  suspended: boolean;
  mechanics: number;
}

/** `events` sorted by (occurred_at, id); `ends` ascending (ms). Returns one snapshot per end. */
export function sweepStates(events: readonly LifecycleEvent[], ends: readonly number[]): StateSnapshot[] {
  const ws = new Map<string, WorkshopState>();
  const mechanicActive = new Map<string, boolean>();
  const w = (id: string) => {
    let s = ws.get(id);
    if (!s) ws.set(id, (s = { submitted: false, approved: false, rejected: false, suspended: false, mechanics: 0 }));
    return s;
  };
  const setMechanic = (e: LifecycleEvent, active: boolean) => {
    const key = `${e.workshopId}|${e.mechanicId}`;
    const was = mechanicActive.get(key) ?? false;
    if (was !== active) w(e.workshopId).mechanics += active ? 1 : -1;
    mechanicActive.set(key, active);
  };
  const snapshots: StateSnapshot[] = [];
  let i = 0;
  for (const end of ends) {
    for (; i < events.length && events[i]!.atMs < end; i++) {
      const e = events[i]!;
      switch (e.type) {
        case 'workshop_signup_success':
          w(e.workshopId).submitted = true;
          break;
        case 'workshop_approved':
          Object.assign(w(e.workshopId), { approved: true, suspended: false });
          break;
        case 'workshop_reactivated':
          w(e.workshopId).suspended = false;
          break;
        case 'workshop_suspended':
          w(e.workshopId).suspended = true;
          break;
        case 'workshop_rejected':
          w(e.workshopId).rejected = true;
          break;
        case 'mechanic_invite_accepted':
          if (e.mechanicId) setMechanic(e, true);
          break;
        case 'mechanic_removed':
          if (e.mechanicId) setMechanic(e, false);
          break;
      }
    }
    const snap: StateSnapshot = {
      pending: 0,
      active: 0,
      suspended: 0,
      withMechanics: 0,
      mechanicsActive: 0,
      over3Mechanics: 0,
    };
    for (const s of ws.values()) {
      if (!s.approved) {
        if (s.submitted && !s.rejected) snap.pending++;
      } else if (s.suspended) snap.suspended++;
      else {
        snap.active++;
        snap.mechanicsActive += s.mechanics;
        if (s.mechanics > 0) snap.withMechanics++;
        if (s.mechanics > 3) snap.over3Mechanics++;
      }
    }
    snapshots.push(snap);
  }
  return snapshots;
}
