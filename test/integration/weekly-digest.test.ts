import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSlackSink, startSmtpSink, type Mail, type Sink } from '../e2e/support/stack.js';
import { postEvents, startTestService } from '../support/service.js';

describe('weekly digest delivery (real SMTP server, Slack-compatible webhook)', () => {
  let slack: Sink<Record<string, unknown>>;
  let smtp: Sink<Mail> & { port: number };
  let svc: Awaited<ReturnType<typeof startTestService>>;

  beforeAll(async () => {
    slack = await startSlackSink();
    smtp = await startSmtpSink();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'wa-digest-'));
    const urlFile = path.join(dir, 'slack-url');
    writeFileSync(urlFile, `${slack.url}\n`);
    svc = await startTestService({
      METRICS_TZ: 'UTC',
      DIGEST_SLACK_WEBHOOK_URL_FILE: urlFile,
      DIGEST_SMTP_URL: smtp.url,
      DIGEST_EMAIL_FROM: 'analytics@theautodoctor.ca',
      DIGEST_EMAIL_TO: 'admins@theautodoctor.ca, ops@theautodoctor.ca',
      GRAFANA_URL: 'http://grafana.test:3001',
    });
  });
  afterAll(async () => {
    await svc?.stop();
    await slack?.stop();
    await smtp?.stop();
  });

  it('the Monday weekly job stores last week and sends the digest to Slack and email', async () => {
    // week of 2026-11-09: 4 starts, 2 completions (50%); the week before: 2 starts, 2 completions
    const started = (at: string) => ({ type: 'workshop_signup_started', session_id: `s-${at}`, occurred_at: at });
    const done = (w: string, at: string) => ({
      type: 'workshop_signup_success',
      workshop_id: w,
      occurred_at: at,
      metadata: { name: 'W', city: 'Ottawa' },
    });
    const events = [
      ...['2026-11-09T10:00:00Z', '2026-11-10T10:00:00Z', '2026-11-11T10:00:00Z', '2026-11-15T23:00:00Z'].map(started),
      done('b0000000-0000-4000-8000-000000000001', '2026-11-10T11:00:00Z'),
      done('b0000000-0000-4000-8000-000000000002', '2026-11-12T11:00:00Z'),
      ...['2026-11-03T10:00:00Z', '2026-11-04T10:00:00Z'].map(started),
      done('b0000000-0000-4000-8000-000000000003', '2026-11-03T11:00:00Z'),
      done('b0000000-0000-4000-8000-000000000004', '2026-11-05T11:00:00Z'),
    ];
    expect((await postEvents(svc.url, { events })).status).toBe(202);
    // the week before must exist for the comparison (the job computes only last week)
    await svc.aggregator.aggregator.compute('weekly', ['2026-11-02']);
    await svc.aggregator.jobs.weekly_metrics.run(Date.parse('2026-11-16T02:00:00Z'));

    const row = await svc.pool.query(
      `SELECT signups_started, signup_conversion_rate FROM workshop_metrics WHERE metric_type = 'weekly' AND metric_date = '2026-11-09'`,
    );
    expect(row.rows[0]).toEqual({ signups_started: 4, signup_conversion_rate: '50.00' });

    expect(slack.received).toHaveLength(1);
    const text = String(slack.received[0]!.text);
    expect(text).toContain('Weekly digest, week of 2026-11-09');
    // Slack text escapes &, < and > (a "target < 24 h … target > 70%" pair would otherwise form a <…> control)
    expect(text).toContain('• Signup conversion: 50.00% (−50.00 pts) vs 100.00% — target &gt; 60.00%: MISSED');
    expect(text).toContain('Dashboard: http://grafana.test:3001/d/workshop-overview');

    expect(smtp.received).toHaveLength(1);
    const mail = smtp.received[0]!;
    expect(mail.from).toBe('analytics@theautodoctor.ca');
    expect(mail.to.sort()).toEqual(['admins@theautodoctor.ca', 'ops@theautodoctor.ca']);
    expect(mail.subject).toContain('Weekly digest, week of 2026-11-09');
    expect(mail.text).toContain('• Signups started: 4 (+2) vs 2');
    expect(mail.text).toContain('• Signup conversion: 50.00% (−50.00 pts) vs 100.00% — target > 60.00%: MISSED');
    // the plain-text part above, and an HTML part with the same lines (escaped) and the week's charts inline
    expect(mail.raw).toMatch(/multipart\/alternative/i);
    expect(mail.raw).toMatch(/content-type:\s*text\/html/i);
    expect(mail.text).toContain(
      '<li>Signup conversion: 50.00% (−50.00 pts) vs 100.00% — target &gt; 60.00%: MISSED</li>',
    );
    expect(mail.text.match(/<svg[\s\S]*?<\/svg>/g)).toHaveLength(5);
  });
});
