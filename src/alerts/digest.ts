/**
 * The weekly digest: last week's KPI row next to the week before, each KPI against the plan's target.
 * Composition is pure; digest-sender.ts delivers it to Slack (escaped, see digestSlackText) and email (plain text,
 * and HTML with the week's charts when weekly-digest.ts adds them).
 */
import type { StoredKpiRow } from '../aggregate/kpi-store.js';
import { KPI_TARGETS, meetsTarget, type KpiTarget } from '../policy/index.js';

export interface Digest {
  subject: string;
  text: string;
  /** The email's HTML part (the text with the week's charts, digest-html.ts); absent: plain text only. */
  html?: string;
}

interface Line {
  column: keyof StoredKpiRow;
  label: string;
  unit: '%' | 'h' | '' | '$';
  /** Plan target (the policy's KPI_TARGETS, src/policy/kpi-policy.ts): value must be above (>) or below (<) it. */
  target?: KpiTarget;
}

const LINES: ReadonlyArray<Omit<Line, 'target'>> = [
  { column: 'signups_started', label: 'Signups started', unit: '' },
  { column: 'signups_completed', label: 'Signups completed', unit: '' },
  { column: 'signup_conversion_rate', label: 'Signup conversion', unit: '%' },
  { column: 'applications_approved', label: 'Applications approved', unit: '' },
  { column: 'applications_rejected', label: 'Applications rejected', unit: '' },
  { column: 'applications_pending', label: 'Applications pending (week end)', unit: '' },
  { column: 'avg_approval_time_hours', label: 'Average approval time', unit: 'h' },
  { column: 'invites_sent', label: 'Invites sent', unit: '' },
  { column: 'invite_acceptance_rate', label: 'Invite acceptance', unit: '%' },
  { column: 'email_success_rate', label: 'Email delivery', unit: '%' },
  { column: 'api_success_rate', label: 'Event success rate', unit: '%' },
  { column: 'active_workshops', label: 'Active workshops (week end)', unit: '' },
  { column: 'total_mechanics_active', label: 'Active mechanics (week end)', unit: '' },
  { column: 'sessions_completed', label: 'Sessions completed', unit: '' },
  { column: 'revenue_cents', label: 'Revenue', unit: '$' },
];

/** The KPIs of the digest, each with its target from KPI_TARGETS when the plan sets one. */
export const DIGEST_LINES: readonly Line[] = LINES.map((l) => {
  const target = (KPI_TARGETS as Readonly<Record<string, KpiTarget>>)[l.column];
  return target ? { ...l, target } : l;
});

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
      const t = l.target;
      const goal =
        t.op === 'between'
          ? `${fmt(t.value[0], l.unit)}-${fmt(t.value[1], l.unit)}`
          : `${t.op} ${fmt(t.value, l.unit)}`;
      status = ` — target ${goal}: ${verdict}`;
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
