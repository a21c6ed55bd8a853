/**
 * Shared panel defaults of the generated dashboards: data sources, the plan's targets, threshold and query
 * helpers, and the panel constructors every dashboard uses (so every panel gets a data source, a unit and a size
 * the same way). Dashboards: overview.ts, health-scorecard.ts, beta-tracker.ts; rendered by index.ts.
 */
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { betaWorkshopSql } from '../../src/aggregate/beta-programme.js';
import { checkThresholds, clean, KPI_TARGETS, POLICY } from '../../src/policy/index.js';

// ---------------------------------------------------------------------------------------------- data sources

/** Provisioned data source uids (grafana/provisioning/datasources/datasources.yaml). */
export const PROMETHEUS_UID = 'prometheus';
export const POSTGRES_UID = 'postgres';
/** The Prometheus data source variable every dashboard defines (default: the provisioned one). */
export const DATASOURCE_VAR = 'datasource';

export const PROMETHEUS: common.DataSourceRef = { type: 'prometheus', uid: `\${${DATASOURCE_VAR}}` };
export const POSTGRES: common.DataSourceRef = { type: 'grafana-postgresql-datasource', uid: POSTGRES_UID };

export const UIDS = {
  overview: 'workshop-overview',
  scorecard: 'workshop-health-scorecard',
  beta: 'workshop-beta-tracker',
} as const;

// ---------------------------------------------------------------------------------------------- targets

/** The plan's targets ("Key Performance Indicators") from the policy (src/policy/kpi-policy.ts), as ratios / seconds. */
export const TARGETS = {
  /** Signup conversion above the target (60%). */
  signupConversion: clean(KPI_TARGETS.signup_conversion_rate.value / 100),
  /** Average approval time below the target (24 hours). */
  approvalSeconds: KPI_TARGETS.avg_approval_time_hours.value * 3600,
  /** Mechanic invite acceptance above the target (70%). */
  inviteAcceptance: clean(KPI_TARGETS.invite_acceptance_rate.value / 100),
  /** Email delivery above the target (98%). */
  emailDelivery: clean(KPI_TARGETS.email_success_rate.value / 100),
  /** API error rate (HTTP 5xx ÷ requests) below the target (1%): the complement of api_success_rate's. */
  apiErrorRate: clean(1 - KPI_TARGETS.api_success_rate.value / 100),
} as const;

/** The hourly checks' thresholds, the same as the alerts' (policy). */
export const THRESHOLDS = checkThresholds();

/** An alert's threshold (ratio, count or seconds) and minimum sample, from the policy. */
export const alertThreshold = (name: string) => POLICY.alerts[name]!.threshold!.value;
export const alertMinSample = (name: string) => POLICY.alerts[name]!.minSample!.value;

const GREEN = 'green';
const ORANGE = 'orange';
const RED = 'red';

type Steps = Array<[number | null, string]>;
const thresholds = (steps: Steps) =>
  new dashboard.ThresholdsConfigBuilder()
    .mode(dashboard.ThresholdsMode.Absolute)
    .steps(steps.map(([value, color]) => ({ value, color })));

/** Red below `target`, green from it (a rate that must stay above its target). */
export const atLeast = (target: number) =>
  thresholds([
    [null, RED],
    [target, GREEN],
  ]);
/** Green below `target`, red from it (a duration or count that must stay below). */
export const below = (target: number, warnFrom?: number) =>
  thresholds(
    warnFrom === undefined
      ? [
          [null, GREEN],
          [target, RED],
        ]
      : [
          [null, GREEN],
          [warnFrom, ORANGE],
          [target, RED],
        ],
  );
/** Neutral: one colour, no target. */
export const neutral = () => thresholds([[null, 'blue']]);
/** Custom steps. */
export const steps = (s: Steps) => thresholds(s);

// ---------------------------------------------------------------------------------------------- queries

/** A PromQL target (instant unless `range`). */
export function promQuery(
  expr: string,
  opts: { legend?: string; refId?: string; range?: boolean; table?: boolean } = {},
) {
  const q = new prometheus.DataqueryBuilder()
    .datasource(PROMETHEUS)
    .refId(opts.refId ?? 'A')
    .expr(expr)
    .editorMode(prometheus.QueryEditorMode.Code);
  if (opts.range) q.range();
  else q.instant();
  if (opts.table) q.format(prometheus.PromQueryFormat.Table);
  if (opts.legend) q.legendFormat(opts.legend);
  return q;
}

/** Grafana's SQL query model (PostgreSQL data source, code editor); the SDK has no builder for it. */
export interface SqlQuery {
  refId: string;
  datasource: common.DataSourceRef;
  editorMode: 'code';
  format: 'table' | 'time_series';
  rawQuery: true;
  rawSql: string;
}

export class SqlQueryBuilder implements cog.Builder<cog.Dataquery> {
  private readonly q: SqlQuery;
  constructor(rawSql: string, format: SqlQuery['format'] = 'table', refId = 'A') {
    this.q = { refId, datasource: POSTGRES, editorMode: 'code', format, rawQuery: true, rawSql: sql(rawSql) };
  }
  build(): cog.Dataquery {
    return new SqlDataquery(this.q);
  }
}

class SqlDataquery implements cog.Dataquery {
  constructor(q: SqlQuery) {
    Object.assign(this, q);
  }
  _implementsDataqueryVariant(): void {}
}

/** Dedents a template literal and trims it, so generated SQL reads like the source. */
export function sql(text: string): string {
  const lines = text.replace(/^\n+|\s+$/g, '').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => l.length - l.trimStart().length));
  return lines.map((l) => l.slice(indent)).join('\n');
}

export const sqlQuery = (rawSql: string, refId = 'A') => new SqlQueryBuilder(rawSql, 'table', refId);
export const sqlSeries = (rawSql: string, refId = 'A') => new SqlQueryBuilder(rawSql, 'time_series', refId);

// ---------------------------------------------------------------------------------------------- links

/** Data link to the scorecard for the workshop of the clicked row / series (`field` holds the workshop id). */
export function scorecardLink(ref = '${__data.fields.workshop_id}') {
  return new dashboard.DashboardLinkBuilder('Workshop health scorecard')
    .type(dashboard.DashboardLinkType.Link)
    .url(`/d/${UIDS.scorecard}?var-workshop=${ref}&\${__url_time_range}`);
}

// ---------------------------------------------------------------------------------------------- panels

export interface Common {
  title: string;
  description: string;
  /** Grafana unit id (fieldConfig.defaults.unit); required on every panel. */
  unit: string;
  w: number;
  h: number;
  datasource: common.DataSourceRef;
  targets: Array<cog.Builder<cog.Dataquery>>;
  thresholds?: cog.Builder<dashboard.ThresholdsConfig>;
  decimals?: number;
  /** Relative time override ("7d", "30d"): the panel reads this window whatever the dashboard range. */
  timeFrom?: string;
  links?: Array<cog.Builder<dashboard.DashboardLink>>;
  noValue?: string;
  min?: number;
  max?: number;
}

interface Settable {
  title(t: string): unknown;
  description(d: string): unknown;
  unit(u: string): unknown;
  span(w: number): unknown;
  height(h: number): unknown;
  datasource(d: common.DataSourceRef): unknown;
  targets(t: Array<cog.Builder<cog.Dataquery>>): unknown;
  thresholds(t: cog.Builder<dashboard.ThresholdsConfig>): unknown;
  decimals(d: number): unknown;
  timeFrom(t: string): unknown;
  dataLinks(l: Array<cog.Builder<dashboard.DashboardLink>>): unknown;
  noValue(v: string): unknown;
  min(v: number): unknown;
  max(v: number): unknown;
}

/** Applies the shared settings; every panel constructor goes through here. */
export function apply<T extends Settable>(p: T, c: Common): T {
  p.title(c.title);
  p.description(c.description);
  p.unit(c.unit);
  p.span(c.w);
  p.height(c.h);
  p.datasource(c.datasource);
  p.targets(c.targets);
  p.thresholds(c.thresholds ?? neutral());
  if (c.decimals !== undefined) p.decimals(c.decimals);
  if (c.timeFrom) p.timeFrom(c.timeFrom);
  if (c.links) p.dataLinks(c.links);
  p.noValue(c.noValue ?? 'No data');
  if (c.min !== undefined) p.min(c.min);
  if (c.max !== undefined) p.max(c.max);
  return p;
}

const lastValue = () => new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false);

/** A single value, coloured by its thresholds. */
export function statPanel(c: Omit<Common, 'w' | 'h'> & { w?: number; h?: number; background?: boolean }) {
  return apply(new stat.PanelBuilder(), { w: 6, h: 4, ...c })
    .colorMode(c.background ? common.BigValueColorMode.Background : common.BigValueColorMode.Value)
    .graphMode(common.BigValueGraphMode.None)
    .textMode(common.BigValueTextMode.Auto)
    .reduceOptions(lastValue());
}

/** Rows of a query as a table. */
export function tablePanel(c: Omit<Common, 'w' | 'h'> & { w?: number; h?: number }) {
  return apply(new table.PanelBuilder(), { w: 12, h: 8, ...c }).cellHeight(common.TableCellHeight.Sm);
}

/** Lines over time. */
export function timeseriesPanel(c: Omit<Common, 'w' | 'h'> & { w?: number; h?: number; thresholdLine?: boolean }) {
  const p = apply(new timeseries.PanelBuilder(), { w: 12, h: 8, ...c })
    .lineWidth(2)
    .fillOpacity(10)
    .showPoints(common.VisibilityMode.Auto)
    .spanNulls(true)
    .legend(
      new common.VizLegendOptionsBuilder()
        .displayMode(common.LegendDisplayMode.List)
        .placement(common.LegendPlacement.Bottom)
        .showLegend(true),
    );
  if (c.thresholdLine)
    p.thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed));
  return p;
}

/** Overrides one column of a table (or one series) to another unit. */
export const unitOverride = (unit: string): dashboard.DynamicConfigValue[] => [{ id: 'unit', value: unit }];
export const thresholdsOverride = (t: cog.Builder<dashboard.ThresholdsConfig>): dashboard.DynamicConfigValue[] => [
  { id: 'thresholds', value: t.build() },
  { id: 'custom.cellOptions', value: { type: 'color-text' } },
];

/** Value mapping of a 1/0 check to met / not met. */
export const checkMappings = (): dashboard.ValueMapping[] => [
  {
    type: dashboard.MappingType.ValueToText,
    options: { '1': { text: '✅ met', color: GREEN, index: 0 }, '0': { text: '⚠ not met', color: RED, index: 1 } },
  },
];

// ---------------------------------------------------------------------------------------------- variables

export function datasourceVariable() {
  return new dashboard.DatasourceVariableBuilder(DATASOURCE_VAR)
    .label('Prometheus')
    .type('prometheus')
    .current({ selected: true, text: 'Prometheus', value: PROMETHEUS_UID });
}

/**
 * A hidden number read from Prometheus at dashboard load (the beta programme's gauges), for SQL queries that need
 * it. query_result(scalar(...)) gives the value as the option's text; the regex keeps the number.
 */
export function promNumberVariable(name: string, label: string, expr: string) {
  return new dashboard.QueryVariableBuilder(name)
    .label(label)
    .datasource(PROMETHEUS)
    .query(`query_result(scalar(${expr}))`)
    .definition(`query_result(scalar(${expr}))`)
    .regex('/(\\d+)/')
    .refresh(dashboard.VariableRefresh.OnDashboardLoad)
    .hide(dashboard.VariableHide.HideVariable);
}

export const BETA_VARIABLES = {
  start: () => promNumberVariable('beta_start', 'Beta start (Unix s)', 'max(workshop_beta_start_timestamp_seconds)'),
  end: () => promNumberVariable('beta_end', 'Beta end (Unix s)', 'max(workshop_beta_end_timestamp_seconds)'),
  targetMin: () => promNumberVariable('beta_target_min', 'Beta target (min)', 'workshop:beta_target_min:max'),
  targetMax: () => promNumberVariable('beta_target_max', 'Beta target (max)', 'workshop:beta_target_max:max'),
  /** Whole days from BETA_START to BETA_END (rounded up), as a PromQL range over the beta window needs a literal. */
  days: () =>
    promNumberVariable(
      'beta_days',
      'Beta length (days)',
      'ceil((max(workshop_beta_end_timestamp_seconds) - max(workshop_beta_start_timestamp_seconds)) / 86400)',
    ),
};

/**
 * A beta workshop in SQL (src/aggregate/beta-programme.ts, the definition the live gauges and
 * WorkshopBetaMilestoneReached use): `approvedAt` (a workshops.approved_at, the first approval's occurred_at) within
 * [BETA_START, BETA_END), from the hidden variables beta_start and beta_end.
 */
export const inBetaWindow = (approvedAt = 'approved_at') =>
  betaWorkshopSql.inWindow(approvedAt, 'to_timestamp(${beta_start})', 'to_timestamp(${beta_end})');
/** The milestone order of beta workshops (the n-th is milestone n). */
export const BETA_ORDER = betaWorkshopSql.order('approved_at', 'workshop_id');

// ---------------------------------------------------------------------------------------------- dashboards

export function baseDashboard(uid: string, title: string, description: string, from: string) {
  return new dashboard.DashboardBuilder(title)
    .uid(uid)
    .description(description)
    .tags(['workshop-analytics'])
    .readonly()
    .timezone('browser')
    .time({ from, to: 'now' })
    .refresh('1m')
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .link(
      new dashboard.DashboardLinkBuilder('Workshop Analytics')
        .type(dashboard.DashboardLinkType.Dashboards)
        .tags(['workshop-analytics'])
        .asDropdown(true)
        .includeVars(false)
        .keepTime(true),
    )
    .withVariable(datasourceVariable());
}

export const row = (title: string) => new dashboard.RowBuilder(title);
