/**
 * The types of the KPI and alert policy (src/policy/): one typed record per alert and per KPI, from which
 * `npm run generate` writes the alerting rules, their boundary tests, the routing expectations, the runbooks and
 * the documented targets. Numbers live here once; every artefact reads them.
 */

/** A key of an alert that `--set ALERT.KEY=VALUE` (the backtest) and applyOverrides may change. */
export type PolicyKey = 'threshold' | 'min_sample' | 'for' | 'keep_firing_for';

/** A number of the policy: seconds for durations, 0..1 for percentages, a plain count or ratio otherwise. */
export interface PolicyValue {
  readonly kind: 'number' | 'percent' | 'duration';
  readonly value: number;
}

export type Severity = 'critical' | 'warning' | 'info';
/** Who acts on an alert (the plan's "Action"): the `audience` label Alertmanager routes by. */
export type Audience = 'admin_team' | 'tech_team' | 'account_manager' | 'workshop_owner' | 'dashboard' | 'heartbeat';
/** What one alert is about: one workshop (workshop_id), the whole programme (kpi), or a process of the stack. */
export type AlertScope = 'workshop' | 'programme' | 'process';
/** How the threshold's input series is compared with the threshold. */
export type ComparisonOp = '>' | '<' | '>=' | '<=';

/** The recording rule a threshold is compared with (hand-written in prometheus/rules/, referenced by name). */
export interface ThresholdInput {
  /** Recording rule name, e.g. 'workshop_id:application_pending_age:seconds'. */
  readonly series: string;
  readonly op: ComparisonOp;
  /** Labels selecting the input series in the generated boundary tests (e.g. one aggregator_job). */
  readonly labels?: Readonly<Record<string, string>>;
  /** The threshold multiplied by this is compared with the series (e.g. cycles × 3600 s); default 1. */
  readonly scale?: number;
}

/** An annotation value: one line (single-quoted in YAML) or lines folded into one (`>-`). */
export type AnnotationText = string | readonly string[];

export interface AlertAnnotations {
  readonly name?: AnnotationText;
  readonly city?: AnnotationText;
  readonly summary: AnnotationText;
  readonly description: AnnotationText;
}

export interface AlertPolicy {
  /** The alertname (a public contract), e.g. 'WorkshopApplicationStuck'. */
  readonly name: string;
  /** The rule file under prometheus/alerts/, e.g. 'workshop-kpis.alerts.yml'. */
  readonly file: string;
  /** What the alert means, one sentence (docs, backtest tables). */
  readonly description: string;
  /** The plan's target this alert guards, in words (e.g. 'decided within 24 h'); absent when none. */
  readonly target?: string;
  readonly threshold?: PolicyValue;
  /** The minimum sample (e.g. 20 emails) below which the alert does not judge the rate. */
  readonly minSample?: PolicyValue;
  /** Prometheus duration, e.g. '5m'; '0s' when the alert fires at once. */
  readonly for: string;
  readonly keepFiringFor?: string;
  readonly severity: Severity;
  readonly audience: Audience;
  /** The receivers amtool must route it to, in amtool's order (routing contract, prometheus/alertmanager/). */
  readonly receivers: readonly string[];
  readonly scope: AlertScope;
  /** The `kpi` label of programme-wide KPI alerts. */
  readonly kpi?: string;
  /** The recording rule the threshold is compared with; the generated boundary tests set it. */
  readonly input?: ThresholdInput;
  /** The recording rule holding the sample size, compared `>= minSample`. */
  readonly sampleSeries?: string;
  /** Comment lines written above the rule's expression. */
  readonly comment?: readonly string[];
  /** The PromQL expression with this alert's values filled in. */
  readonly expr: (a: AlertPolicy) => string;
  /** The plan's message text and the rest of the annotations, with this alert's values filled in. */
  readonly annotations: (a: AlertPolicy) => AlertAnnotations;
  /** Grafana path (relative; Alertmanager's templates prefix GRAFANA_URL). */
  readonly dashboardPath: string;
  /** Runbook section (markdown, placeholders {{threshold}} …), file name under src/policy/runbooks/. */
  readonly runbook: string;
}

/** A target of the plan: the KPI column's value should be above, below, or within a range. */
export type KpiTarget =
  | { readonly op: '>' | '<'; readonly value: number }
  | { readonly op: 'between'; readonly value: readonly [number, number] };

export interface KpiPolicy {
  /** The workshop_metrics column that measures it. */
  readonly column: string;
  readonly description: string;
  readonly target: KpiTarget;
  /** What the plan calls the target. */
  readonly plan: string;
  /** The alerts that warn and page about it (their thresholds are the warning / critical levels). */
  readonly warning?: string;
  readonly critical?: string;
}

/** One alert rule file: its group and the comment at its top. */
export interface AlertFilePolicy {
  readonly file: string;
  readonly group: string;
  readonly header: readonly string[];
  /** Whether the rules are grouped under `# ---- critical` / warning / info comments. */
  readonly severitySections?: boolean;
}

export interface Policy {
  readonly alerts: Readonly<Record<string, AlertPolicy>>;
  readonly kpis: Readonly<Record<string, KpiPolicy>>;
  readonly files: readonly AlertFilePolicy[];
}

/** An override `ALERT.KEY=VALUE`, as given on the command line. */
export interface PolicyOverride {
  readonly alert: string;
  readonly key: PolicyKey;
  readonly value: string;
}

/** A policy override or value that is not valid; the message names the problem. */
export class PolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PolicyError';
  }
}
