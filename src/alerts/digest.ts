/**
 * The weekly digest: last week's KPI row next to the week before, each KPI against the plan's target.
 * Composition is pure; digest-sender.ts delivers it to Slack (escaped, see digestSlackText) and email (plain text).
 */
import type { StoredKpiRow } from '../aggregate/kpi-store.js';
import { KPI_TARGETS } from '../aggregate/thresholds.js';

export interface Digest {
  subject: string;
  text: string;
}

interface Line {
  column: keyof StoredKpiRow;
  label: string;
  unit: '%' | 'h' | '' | '$';
  /** Plan target: value must be above (>) or below (<) it. */
  target?: { op: '>' | '<'; value: number };
}

/** The KPIs of the digest, with the plan's targets (thresholds.ts, the one source). */
export const DIGEST_LINES: readonly Line[] = [
  { column: 'signups_started', label: 'Signups started', unit: '' },
  { column: 'signups_completed', label: 'Signups completed', unit: '' },
  {
    column: 'signup_conversion_rate',
    label: 'Signup conversion',
    unit: '%',
    target: KPI_TARGETS.signup_conversion_rate,
  },
  { column: 'applications_approved', label: 'Applications approved', unit: '' },
  { column: 'applications_rejected', label: 'Applications rejected', unit: '' },
  { column: 'applications_pending', label: 'Applications pending (week end)', unit: '' },
  {
    column: 'avg_approval_time_hours',
    label: 'Average approval time',
    unit: 'h',
    target: KPI_TARGETS.avg_approval_time_hours,
  },
  { column: 'invites_sent', label: 'Invites sent', unit: '' },
  {
    column: 'invite_acceptance_rate',
    label: 'Invite acceptance',
    unit: '%',
    target: KPI_TARGETS.invite_acceptance_rate,
  },
  { column: 'email_success_rate', label: 'Email delivery', unit: '%', target: KPI_TARGETS.email_success_rate },
  { column: 'api_success_rate', label: 'Event success rate', unit: '%', target: KPI_TARGETS.api_success_rate },
  { column: 'active_workshops', label: 'Active workshops (week end)', unit: '' },
  { column: 'total_mechanics_active', label: 'Active mechanics (week end)', unit: '' },
  { column: 'sessions_completed', label: 'Sessions completed', unit: '' },
  { column: 'revenue_cents', label: 'Revenue', unit: '$' },
];

function fmt(v: number | null | undefined, unit: Line['unit']): string {
  if (v === null || v === undefined) return 'n/a';
  if (unit === '$') return `$${(v / 100).toFixed(2)}`;
  if (unit === '%') return `${v.toFixed(2)}%`;
  if (unit === 'h') return `${v.toFixed(2)} h`;
  return String(v);
}

function delta(cur: number | null | undefined, prev: number | null | undefined, unit: Line['unit']): string {
  if (cur === null || cur === undefined || prev === null || prev === undefined) return '';
  const d = cur - prev;
  const sign = d > 0 ? '+' : d < 0 ? '−' : '±';
  const abs = Math.abs(d);
  const amount = unit === '$' ? `$${(abs / 100).toFixed(2)}` : unit === '' ? abs : abs.toFixed(2);
  const suffix = unit === '%' ? ' pts' : unit === 'h' ? ' h' : '';
  return ` (${sign}${amount}${suffix})`;
}

/** `met` is null when there is no value to judge. */
export function meetsTarget(v: number | null | undefined, t: NonNullable<Line['target']>): boolean | null {
  if (v === null || v === undefined) return null;
  return t.op === '>' ? v > t.value : v < t.value;
}

export function composeDigest(
  week: string,
  current: StoredKpiRow | undefined,
  previous: StoredKpiRow | undefined,
  dashboardUrl: string,
): Digest {
  const rows = DIGEST_LINES.map((l) => {
    const cur = current?.[l.column] as number | null | undefined;
    const prev = previous?.[l.column] as number | null | undefined;
    let status = '';
    if (l.target) {
      const met = meetsTarget(cur, l.target);
      const verdict = met === null ? 'no data' : met ? 'met' : 'MISSED';
      status = ` — target ${l.target.op} ${fmt(l.target.value, l.unit)}: ${verdict}`;
    }
    return `• ${l.label}: ${fmt(cur, l.unit)}${delta(cur, prev, l.unit)} vs ${fmt(prev, l.unit)}${status}`;
  });
  const missed = DIGEST_LINES.filter(
    (l) => l.target && meetsTarget(current?.[l.column] as number | null, l.target) === false,
  ).length;
  const header = current
    ? `Workshop programme, week of ${week} (vs the week before)` +
      (missed ? ` — ${missed} target(s) missed` : ' — all targets with data met')
    : `Workshop programme, week of ${week}: no KPI row was computed for this week`;
  return {
    subject: `[Workshop analytics] Weekly digest, week of ${week}${missed ? ` — ${missed} target(s) missed` : ''}`,
    text: [header, '', ...rows, '', `Dashboard: ${dashboardUrl}`].join('\n') + '\n',
  };
}

/**
 * Slack's escaping of message text (api.slack.com, "Escaping text"): & < > become entities, so no value can
 * mention (`<!channel>`, `<@U…>`) or link (`<http://…|…>`). Slack shows the text unchanged.
 */
export function escapeSlack(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** The digest as one Slack message: the subject in bold, then the text, every character of both escaped. */
export function digestSlackText(d: Digest): string {
  return `*${escapeSlack(d.subject)}*\n${escapeSlack(d.text)}`;
}
