/**
 * The incremental replay: one pass over the event log in (occurred_at, id) order, keeping the state the replayed
 * gauges need, and a snapshot (AsOfGauges) at each instant asked for. It applies the projections' rules
 * (src/ingest/projection-spec.ts) in time order, where they reduce to "first wins" (min) and "latest wins"
 * (registers), and keeps sliding windows for the rolling counts. as-of-gauge-store.ts is its reference.
 */
import type { AsOfGauges, AsOfRolling, AsOfStatus, AsOfWorkshop } from './as-of-gauges.js';
import type { ReplayEvent } from './event-log-store.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Event times (and a value each) in a sliding window [t - width, t]; pushes come in time order. */
class Window<T = null> {
  private items: Array<{ at: number; v: T }> = [];
  private head = 0;
  constructor(private readonly width: number) {}
  push(at: number, v: T): void {
    this.items.push({ at, v });
  }
  private prune(atMs: number): void {
    const from = atMs - this.width;
    while (this.head < this.items.length && this.items[this.head]!.at < from) this.head++;
    if (this.head > 4096 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
  /** The items at or after `atMs - width` (atMs never decreases). */
  current(atMs: number): ReadonlyArray<{ at: number; v: T }> {
    this.prune(atMs);
    return this.items.slice(this.head);
  }
  count(atMs: number): number {
    this.prune(atMs);
    return this.items.length - this.head;
  }
  /** The time of the oldest item in the window at `atMs` (undefined when empty). */
  oldest(atMs: number): number | undefined {
    this.prune(atMs);
    return this.items[this.head]?.at;
  }
}

/** A binary min-heap of (time, workshop id): when a workshop's windowed gauges change next without an event. */
class DueHeap {
  private readonly items: Array<{ at: number; id: string }> = [];
  peek(): number {
    return this.items[0]?.at ?? Infinity;
  }
  push(at: number, id: string): void {
    const a = this.items;
    a.push({ at, id });
    for (let i = a.length - 1; i > 0;) {
      const up = (i - 1) >> 1;
      if (a[up]!.at <= a[i]!.at) break;
      [a[up], a[i]] = [a[i]!, a[up]!];
      i = up;
    }
  }
  pop(): { at: number; id: string } {
    const a = this.items;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l]!.at < a[m]!.at) m = l;
        if (r < a.length && a[r]!.at < a[m]!.at) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i]!, a[m]!];
        i = m;
      }
    }
    return top;
  }
}

interface Invite {
  workshopId: string;
  sentAt: number | null;
  acceptedAt: number | null;
  expiredAt: number | null;
}

interface WorkshopState {
  submittedAt: number | null;
  approvedAt: number | null;
  rejectedAt: number | null;
  lastAccess: number | null;
  statusEvent: string | null;
  capacity: number | null;
  lastInvite: number | null;
  invites: Invite[];
  mechanics: Map<string, boolean>;
  sessions: Window;
  /** When its windowed gauges change next with no event (Infinity: not before an event), for `changed`. */
  due: number;
}

const EMAIL_SENT = new Set(['email_approval_sent', 'email_rejection_sent', 'email_invite_sent']);
const EMAIL_FAILED = new Set(['email_approval_failed', 'email_rejection_failed', 'email_invite_failed']);

export class GaugeReplay {
  private readonly workshops = new Map<string, WorkshopState>();
  private readonly invites = new Map<string, Invite>();
  private readonly started = new Window(DAY);
  private readonly completed = new Window(DAY);
  private readonly sent = new Window(DAY);
  private readonly failed = new Window(DAY);
  private readonly failed1h = new Window(HOUR);
  private readonly decisions = new Window<string>(7 * DAY);
  private lastAt = -Infinity;
  /** The workshops ordered by id, rebuilt only when one is added (not sorted again at every snapshot). */
  private ordered: Array<[string, WorkshopState]> = [];
  /** Workshops an event touched since the last `changed` call. */
  private readonly touched = new Set<string>();
  private readonly dueHeap = new DueHeap();

  constructor(private readonly inviteTtlDays = 7) {}

  private workshop(id: string): WorkshopState {
    let w = this.workshops.get(id);
    if (!w) {
      w = {
        submittedAt: null,
        approvedAt: null,
        rejectedAt: null,
        lastAccess: null,
        statusEvent: null,
        capacity: null,
        lastInvite: null,
        invites: [],
        mechanics: new Map(),
        sessions: new Window(30 * DAY),
        due: Infinity,
      };
      this.workshops.set(id, w);
    }
    return w;
  }

  /** Applies one event; events must come in (occurred_at, id) order. */
  apply(e: ReplayEvent): void {
    if (e.atMs < this.lastAt) throw new Error(`replay: event ${e.id} is older than the one before it`);
    this.lastAt = e.atMs;
    const t = e.atMs;
    if (e.type === 'workshop_signup_started') this.started.push(t, null);
    else if (e.type === 'workshop_signup_success') this.completed.push(t, null);
    else if (EMAIL_SENT.has(e.type)) this.sent.push(t, null);
    else if (EMAIL_FAILED.has(e.type)) {
      this.failed.push(t, null);
      this.failed1h.push(t, null);
    }
    if (!e.workshopId) return;
    const w = this.workshop(e.workshopId);
    this.touched.add(e.workshopId);
    switch (e.type) {
      case 'workshop_signup_success':
        w.submittedAt ??= t;
        w.capacity = e.capacity;
        break;
      case 'workshop_approved':
        w.approvedAt ??= t;
        w.statusEvent = e.type;
        this.decisions.push(t, e.workshopId);
        break;
      case 'workshop_rejected':
        w.rejectedAt ??= t;
        this.decisions.push(t, e.workshopId);
        break;
      case 'workshop_suspended':
      case 'workshop_reactivated':
        w.statusEvent = e.type;
        break;
      case 'workshop_dashboard_accessed':
        w.lastAccess = t;
        break;
      case 'session_completed':
        w.sessions.push(t, null);
        break;
    }
    if (e.mechanicId && (e.type === 'mechanic_invite_accepted' || e.type === 'mechanic_removed'))
      w.mechanics.set(e.mechanicId, e.type === 'mechanic_invite_accepted');
    if (e.category === 'invitation' && e.inviteId) this.applyInvite(e, t);
  }

  private applyInvite(e: ReplayEvent, t: number): void {
    let inv = this.invites.get(e.inviteId!);
    if (!inv) {
      // the invitation belongs to the workshop of its earliest event
      inv = { workshopId: e.workshopId!, sentAt: null, acceptedAt: null, expiredAt: null };
      this.invites.set(e.inviteId!, inv);
      this.workshop(inv.workshopId).invites.push(inv);
    }
    // its counts are the owner's, whichever workshop the event names
    this.touched.add(inv.workshopId);
    if (e.type === 'mechanic_invited' && inv.sentAt === null) {
      inv.sentAt = t;
      const owner = this.workshop(inv.workshopId);
      owner.lastInvite = Math.max(owner.lastInvite ?? t, t);
    } else if (e.type === 'mechanic_invite_accepted') inv.acceptedAt ??= t;
    else if (e.type === 'mechanic_invite_expired') inv.expiredAt ??= t;
  }

  /** The gauges as of `atMs`: call after applying every event with occurred_at <= atMs, with atMs increasing. */
  snapshot(atMs: number): AsOfGauges {
    if (this.ordered.length !== this.workshops.size)
      this.ordered = [...this.workshops].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return { atMs, workshops: this.ordered.map(([id, w]) => this.asOf(id, w, atMs)), rolling: this.rolling(atMs) };
  }

  /**
   * The workshops whose gauges may differ from what the previous call (or none) answered: those an event touched
   * since, and those with an invitation or a session leaving its 30-day window, or an invitation reaching the
   * invitation TTL, by `atMs`. Every other workshop's gauges are as the previous call answered. Same calling rules as
   * `snapshot`; use one or the other on a replay. In no particular order.
   */
  changed(atMs: number): AsOfWorkshop[] {
    while (this.dueHeap.peek() <= atMs) {
      const { at, id } = this.dueHeap.pop();
      if (this.workshops.get(id)!.due === at) this.touched.add(id);
    }
    const out: AsOfWorkshop[] = [];
    for (const id of this.touched) {
      const w = this.workshops.get(id)!;
      out.push(this.asOf(id, w, atMs));
      const due = this.nextChange(w, atMs);
      if (due !== w.due) {
        w.due = due;
        if (due !== Infinity) this.dueHeap.push(due, id);
      }
    }
    this.touched.clear();
    return out;
  }

  /** The first instant after `atMs` at which `w`'s windowed gauges change with no event. */
  private nextChange(w: WorkshopState, atMs: number): number {
    const from30 = atMs - 30 * DAY;
    const ttl = atMs - this.inviteTtlDays * DAY;
    // a session or an invitation at `t` counts while t >= now - 30 days: it leaves at t + 30 days + 1 ms
    const oldest = w.sessions.oldest(atMs);
    let due = oldest === undefined ? Infinity : oldest + 30 * DAY + 1;
    for (const inv of w.invites) {
      if (inv.sentAt === null || inv.sentAt < from30) continue;
      due = Math.min(due, inv.sentAt + 30 * DAY + 1);
      // an open invitation counts as resolved once sent_at <= now - TTL
      if (inv.acceptedAt === null && inv.expiredAt === null && inv.sentAt > ttl)
        due = Math.min(due, inv.sentAt + this.inviteTtlDays * DAY);
    }
    return due;
  }

  private asOf(id: string, w: WorkshopState, atMs: number): AsOfWorkshop {
    const from30 = atMs - 30 * DAY;
    const ttl = atMs - this.inviteTtlDays * DAY;
    let accepted = 0;
    let resolved = 0;
    for (const inv of w.invites) {
      if (inv.sentAt === null || inv.sentAt < from30) continue;
      if (inv.acceptedAt !== null) accepted++;
      if (inv.acceptedAt !== null || inv.expiredAt !== null || inv.sentAt <= ttl) resolved++;
    }
    // an invitation sent more than 30 days ago never counts again
    if (w.invites.length > 64) w.invites = w.invites.filter((i) => i.sentAt === null || i.sentAt >= from30);
    let mechanics = 0;
    for (const active of w.mechanics.values()) if (active) mechanics++;
    return {
      workshopId: id,
      status: statusOf(w),
      submittedAtMs: w.submittedAt,
      approvedAtMs: w.approvedAt,
      lastAccessMs: w.lastAccess,
      lastInviteMs: w.lastInvite,
      invitesAccepted30d: accepted,
      invitesResolved30d: resolved,
      mechanicsActive: mechanics,
      capacity: w.capacity,
      sessions30d: w.sessions.count(atMs),
    };
  }

  /** The programme-wide rolling counts as of `atMs` (same calling rules as `snapshot`). */
  rolling(atMs: number): AsOfRolling {
    let waits = 0;
    let n = 0;
    for (const d of this.decisions.current(atMs)) {
      const submitted = this.workshops.get(d.v)?.submittedAt ?? null;
      if (submitted === null) continue;
      n++;
      waits += (d.at - submitted) / 1000;
    }
    return {
      signupsStarted24h: this.started.count(atMs),
      signupsCompleted24h: this.completed.count(atMs),
      emailsSent24h: this.sent.count(atMs),
      emailsFailed24h: this.failed.count(atMs),
      emailFailures1h: this.failed1h.count(atMs),
      approvals7d: n,
      approvalTimeAvg7dSeconds: n === 0 ? null : waits / n,
    };
  }
}

function statusOf(w: WorkshopState): AsOfStatus | null {
  if (w.approvedAt !== null) return w.statusEvent === 'workshop_suspended' ? 'suspended' : 'active';
  if (w.rejectedAt !== null) return 'rejected';
  return w.submittedAt !== null ? 'pending' : null;
}
