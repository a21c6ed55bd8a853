/** Wording shared by the report's formats: title, change, target, status, notes. */
import { formatKpi, type KpiUnit } from './kpi-labels.js';
import { targetText, type KpiLine, type Report } from './report-model.js';

export function reportTitle(r: Report): string {
  const p = r.period;
  const span = p.firstDay === p.lastDay ? p.firstDay : `${p.firstDay} to ${p.lastDay}`;
  return `Workshop programme report, ${span} (${p.type}, ${r.timeZone})`;
}

export function previousText(r: Report): string {
  const p = r.period;
  return p.previousFirstDay === p.previousLastDay
    ? p.previousFirstDay
    : `${p.previousFirstDay} to ${p.previousLastDay}`;
}

export function changeText(l: KpiLine): string {
  if (l.value === null || l.previous === null) return '';
  const d = Math.round((l.value - l.previous) * 100) / 100;
  const sign = d > 0 ? '+' : d < 0 ? '−' : '±';
  const abs = formatKpi(Math.abs(d), l.unit as KpiUnit);
  return `${sign}${l.unit === '%' ? abs.replace('%', ' pts') : abs}`;
}

export const lineTarget = (l: KpiLine) => (l.target ? targetText(l.target, l.unit) : '');

/** Notes under the KPI table: rows not computed, values a multi-period report cannot give exactly. */
export function reportNotes(r: Report): string[] {
  const notes: string[] = [];
  if (r.missing.length) notes.push(`No ${r.period.type} KPI row for ${r.missing.join(', ')}: compute it first.`);
  if (r.previousMissing.length)
    notes.push(`No ${r.period.type} KPI row for ${r.previousMissing.join(', ')} (previous period).`);
  if (r.period.dates.length > 1)
    notes.push(
      `Over ${r.period.dates.length} ${r.period.type} periods: counts are sums, states are at the period's end, ` +
        'conversion, acceptance and delivery rates are recomputed from the sums; averages, medians and the event ' +
        'success rate are n/a (ask for one period of a longer type).',
    );
  return notes;
}

export function summaryText(r: Report): string {
  const judged = r.kpis.filter((k) => k.status);
  const missed = judged.filter((k) => k.status === 'missed').length;
  const met = judged.filter((k) => k.status === 'met').length;
  return `${met} of ${judged.length} targets met, ${missed} missed, ${judged.length - met - missed} without data.`;
}
