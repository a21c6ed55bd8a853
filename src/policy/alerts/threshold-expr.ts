/** The expression of a threshold alert: `input op threshold [and on (...) sample >= min_sample]`. */
import type { AlertPolicy } from '../policy-types.js';
import { promValue, req } from '../policy-values.js';

/** The comparison of the alert's input series with its threshold, e.g. `x:y:seconds > 48 * 3600`. */
export function condition(a: AlertPolicy): string {
  const input = a.input!;
  return `${input.series} ${input.op} ${promValue(req(a.threshold, `${a.name}.threshold`), input.scale)}`;
}

/** The condition, and the minimum sample when the alert has one (joined per workshop or programme-wide). */
export function thresholdExpr(a: AlertPolicy): string {
  if (!a.sampleSeries) return condition(a);
  const on = a.scope === 'workshop' ? 'workshop_id' : '';
  return `${condition(a)}\nand on (${on}) ${a.sampleSeries} >= ${promValue(req(a.minSample, `${a.name}.min_sample`))}`;
}
