/**
 * Prometheus' alerting-rule state machine (rules/alerting.go) over a series of evaluations: an alert is pending
 * from the first evaluation its expression returns the series, fires at the first evaluation at least `for` after
 * that, and, once firing, resolves at the first evaluation without the series — or, with keep_firing_for, at the
 * first evaluation at least keep_firing_for after the series first went missing (it keeps firing until then;
 * the series coming back resets that). A pending alert whose series goes missing is dropped.
 */

export interface FiringInterval {
  readonly startMs: number;
  /** The evaluation that resolved it; null when it was still firing at the last evaluation. */
  readonly endMs: number | null;
}

export interface EvalGrid {
  readonly startMs: number;
  readonly stepMs: number;
  /** Number of evaluations: startMs, startMs + stepMs, … */
  readonly count: number;
}

/**
 * Firing intervals of one series of an alert, given the evaluation times at which its expression returned it
 * (a subset of the grid, in any order).
 */
export function firingIntervals(
  grid: EvalGrid,
  presentAtMs: Iterable<number>,
  forMs: number,
  keepFiringForMs = 0,
): FiringInterval[] {
  const present = new Set(presentAtMs);
  const indices = [...present].map((t) => Math.round((t - grid.startMs) / grid.stepMs)).sort((a, b) => a - b);
  if (indices.length === 0) return [];
  const lastPresent = indices[indices.length - 1]!;
  const out: FiringInterval[] = [];
  let state: 'inactive' | 'pending' | 'firing' = 'inactive';
  let activeAt = 0;
  let firedAt = 0;
  let keepSince: number | null = null;
  for (let k = indices[0]!; k < grid.count; k++) {
    const t = grid.startMs + k * grid.stepMs;
    if (present.has(t)) {
      if (state === 'inactive') {
        state = 'pending';
        activeAt = t;
      }
      keepSince = null;
      if (state === 'pending' && t - activeAt >= forMs) {
        state = 'firing';
        firedAt = t;
      }
      continue;
    }
    if (state === 'pending') state = 'inactive';
    else if (state === 'firing') {
      keepSince ??= t;
      if (keepFiringForMs > 0 && t - keepSince < keepFiringForMs) continue;
      out.push({ startMs: firedAt, endMs: t });
      state = 'inactive';
      keepSince = null;
    }
    if (state === 'inactive' && k > lastPresent) break;
  }
  if (state === 'firing') out.push({ startMs: firedAt, endMs: null });
  return out;
}

/** Clips intervals to [fromMs, toMs]: those that ended before fromMs go, starts before fromMs become fromMs. */
export function clipIntervals(list: readonly FiringInterval[], fromMs: number, toMs: number): FiringInterval[] {
  return list
    .filter((i) => (i.endMs === null || i.endMs > fromMs) && i.startMs <= toMs)
    .map((i) => ({
      startMs: Math.max(i.startMs, fromMs),
      endMs: i.endMs === null || i.endMs > toMs ? null : i.endMs,
    }));
}
