/**
 * Alertmanager receiver names: a public contract of the routing tests (amtool) and of anyone reading Alertmanager's
 * UI. scripts/alertmanager/render.ts writes them into alertmanager.yml; each alert's policy lists the ones it reaches.
 */
export const RECEIVERS = {
  heartbeat: 'heartbeat',
  history: 'workshop-analytics-webhook',
  adminEmail: 'admin-team-email',
  adminSlack: 'admin-team-slack',
  techEmail: 'tech-team-email',
  techCritical: 'tech-team-email-slack-critical',
  accountManager: 'account-manager-email',
  wins: 'slack-wins',
  none: 'history-only',
} as const;
