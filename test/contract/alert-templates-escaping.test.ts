/**
 * The Alertmanager notification templates, rendered by the real amtool (0.25) for an alert whose workshop name
 * is hostile: Slack text must show it as text (no mention, no link), the email HTML must show it escaped, and
 * extreme but valid characters (emoji, U+2028) must come through unchanged. Needs amtool on PATH.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const AM_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../prometheus/alertmanager');
const HOSTILE = '<!channel> <http://evil.example|click> & <b>x</b>';
/** HOSTILE as Slack and HTML must show it: & < > as entities, worked out by hand. */
const HOSTILE_ESCAPED = '&lt;!channel&gt; &lt;http://evil.example|click&gt; &amp; &lt;b&gt;x&lt;/b&gt;';
const EXTREME = 'Autowerkstatt 🚗\u2028Süd';

const tmp = mkdtempSync(path.join(tmpdir(), 'am-escaping-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** testdata/firing.json with `name` in the annotations, summary and description, and optionally another dashboard path. */
function alertData(name: string, dashboardPath?: string): string {
  const data = JSON.parse(readFileSync(path.join(AM_DIR, 'testdata/firing.json'), 'utf8')) as {
    alerts: Array<{ labels: Record<string, string>; annotations: Record<string, string> }>;
    commonAnnotations: Record<string, string>;
  };
  const alert = data.alerts[0]!;
  alert.annotations.name = name;
  data.commonAnnotations.name = name;
  alert.annotations.summary = `Workshop ${name} showing signs of churn`;
  alert.annotations.description = `The application of ${name} (Berlin) has been waiting for approval.`;
  if (dashboardPath) alert.annotations.dashboard_path = dashboardPath;
  const file = path.join(tmp, `${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(data));
  return file;
}

function render(dataFile: string, template: string, type: 'text' | 'html' = 'text'): string {
  return execFileSync(
    'amtool',
    [
      'template',
      'render',
      '--template.glob=templates/*.tmpl',
      '--template.glob=links.tmpl',
      `--template.data=${dataFile}`,
      `--template.type=${type}`,
      `--template.text={{ template "${template}" . }}`,
    ],
    { cwd: AM_DIR, encoding: 'utf8', timeout: 20_000 },
  );
}

/** What Slack shows for escaped text (its three entities decoded). */
const slackShows = (text: string) => text.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');

/** The links in rendered Slack text must be exactly the template's own. */
const OWN_LINKS = [
  /^<https:\/\/grafana\.theautodoctor\.example\/d\/workshop-health-scorecard\?[^|<>]*\|Dashboard>$/,
  /^<https:\/\/github\.com\/theautodoctor\/workshop-analytics\/blob\/main\/docs\/runbooks\.md#[a-z]+\|Runbook>$/,
  /^<http:\/\/alertmanager\.example:9093\/#\/silences\/new\?filter=[^|<>]*\|Silence>$/,
];

describe('Slack templates escape workshop names', () => {
  const data = alertData(HOSTILE);

  it.each(['workshop.slack.title', 'workshop.slack.fallback', 'workshop.slack.text'])(
    'when the name holds a mention, a link and markup, then %s shows it as text',
    (template) => {
      const out = render(data, template);
      expect(out).toContain(HOSTILE_ESCAPED);
      expect(out).not.toContain('<!');
      expect(out).not.toContain('<http://evil');
      expect(out).not.toContain('<b>');
      for (const link of out.match(/<[^>]*>/g) ?? [])
        expect(
          OWN_LINKS.some((re) => re.test(link)),
          link,
        ).toBe(true);
    },
  );

  it('when the name is hostile, then the text still carries the dashboard, runbook and silence links', () => {
    const links = render(data, 'workshop.slack.text').match(/<[^>]*>/g) ?? [];
    expect(links.map((l) => l.slice(l.lastIndexOf('|') + 1))).toEqual(['Dashboard>', 'Runbook>', 'Silence>']);
  });

  it('when Slack decodes the escaped title, then it shows the name exactly as stored', () => {
    expect(slackShows(render(data, 'workshop.slack.title'))).toBe(`[FIRING:1] WorkshopApplicationStuck - ${HOSTILE}`);
  });

  it('when a dashboard path holds | < >, then the Slack link cannot be closed or relabelled by it', () => {
    const out = render(alertData('Autohaus Nord', '/d/x?a=1&b=<!here>|Evil'), 'workshop.slack.text');
    expect(out).toContain('<https://grafana.theautodoctor.example/d/x?a=1&amp;b=%3C!here%3E%7CEvil|Dashboard>');
    expect(out).not.toContain('<!here>');
  });

  it('when the name has an emoji and U+2028, then Slack gets them unchanged', () => {
    expect(render(alertData(EXTREME), 'workshop.slack.title')).toBe(`[FIRING:1] WorkshopApplicationStuck - ${EXTREME}`);
  });
});

describe('email templates', () => {
  it('when the name holds markup, then the HTML email escapes it (Go html/template) and keeps its own tags', () => {
    const html = render(alertData(HOSTILE), 'workshop.email.html', 'html');
    expect(html).toContain(`<h2>[FIRING:1] WorkshopApplicationStuck - ${HOSTILE_ESCAPED} (workshop analytics)</h2>`);
    expect(html).toContain(`<b>Workshop ${HOSTILE_ESCAPED} showing signs of churn</b>`);
    expect(html).not.toContain('<b>x</b>');
    expect(html).not.toContain('<!channel>');
    const tags = new Set((html.match(/<\/?([a-z0-9]+)/g) ?? []).map((t) => t.replace(/[</]/g, '')));
    expect([...tags].sort()).toEqual(['a', 'b', 'body', 'br', 'h2', 'h3', 'html', 'li', 'p', 'ul']);
  });

  it('when the name is hostile, then the plain-text email and subject show it as stored', () => {
    const data = alertData(HOSTILE);
    expect(render(data, 'workshop.email.subject')).toBe(
      `[FIRING:1] WorkshopApplicationStuck - ${HOSTILE} (workshop analytics)`,
    );
    expect(render(data, 'workshop.email.text')).toContain(`- Workshop ${HOSTILE} showing signs of churn`);
  });

  it('when the name has an emoji and U+2028, then the HTML email keeps them', () => {
    expect(render(alertData(EXTREME), 'workshop.email.html', 'html')).toContain(
      `<b>Workshop ${EXTREME} showing signs of churn</b>`,
    );
  });
});
