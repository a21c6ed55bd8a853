/** What `npm run stack` prints once everything is up: where each part listens and where notifications go. */
import path from 'node:path';

export interface SummaryInput {
  serviceUrl: string;
  tokensFile: string | undefined;
  database: string;
  prometheusUrl: string;
  prometheusLog: string;
  alertmanagerUrl: string;
  alertmanagerConfig: string;
  alertmanagerLog: string;
  /** The relay Alertmanager mails through. */
  smarthost: string;
  catcher: { hostPort: string; dir: string };
  /** Each true when the stack's local peer is used, false when the environment named another (ALERT_*). */
  mailLocal: boolean;
  slackLocal: boolean;
  sinkUrl: string;
  heartbeatLocal: boolean;
  ownerMailToCatcher: boolean;
  grafanaUrl: string;
  overridden: string[];
  dataDir: string;
  /** Grafana's and the collector's lines: where they run, or how to get them (optional-tools.ts). */
  optional?: string[];
}

const rel = (p: string) => {
  const r = path.relative(process.cwd(), p);
  return r && !r.startsWith('..') ? `./${r}` : p;
};

export function summaryLines(s: SummaryInput): string[] {
  const demoEnv = rel(s.dataDir) === './.data' ? '' : `DATA_DIR=${rel(s.dataDir)} `;
  const demoUrl = s.serviceUrl === 'http://127.0.0.1:3000' ? '' : `SERVICE_URL=${s.serviceUrl} `;
  return [
    `workshop-analytics listening on ${s.serviceUrl}`,
    `workshop-analytics stack is up (Ctrl-C stops all of it)`,
    `  service:       ${s.serviceUrl}   (schedule on; ${s.database})`,
    `  tokens:        ${s.tokensFile ? rel(s.tokensFile) : 'from INGEST_TOKENS / ADMIN_TOKENS / ALERT_WEBHOOK_TOKENS'}`,
    `  Prometheus:    ${s.prometheusUrl}/alerts   (the repository's rules, real for: durations; log ${rel(s.prometheusLog)})`,
    `  Alertmanager:  ${s.alertmanagerUrl}   (${rel(s.alertmanagerConfig)}; log ${rel(s.alertmanagerLog)})`,
    s.mailLocal
      ? `  alert e-mail:  mail catcher smtp://${s.catcher.hostPort}: one line here per mail, saved in ${rel(s.catcher.dir)}/<n>.eml`
      : `  alert e-mail:  ${s.smarthost} (ALERT_SMTP_* from the environment)`,
    ...(s.ownerMailToCatcher
      ? [`  owner e-mail:  the service's WorkshopThriving e-mails also go to the mail catcher`]
      : []),
    s.slackLocal
      ? `  Slack:         printed here (sink ${s.sinkUrl}/slack/<critical|admin|wins>)`
      : `  Slack:         the webhook URL files named by ALERT_SLACK_*_URL_FILE`,
    s.heartbeatLocal
      ? `  heartbeat:     ${s.sinkUrl}/heartbeat (counted quietly; the count is printed at stop)`
      : `  heartbeat:     the URL in ALERT_HEARTBEAT_URL_FILE`,
    `  Grafana links: ${s.grafanaUrl}`,
    ...(s.optional ?? []),
    ...(s.overridden.length ? [`  from the environment: ${s.overridden.join(', ')}`] : []),
    `  try:           ${demoEnv}${demoUrl}npm run demo   (WorkshopApplicationStuck fires after its 5-minute for:)`,
  ];
}
