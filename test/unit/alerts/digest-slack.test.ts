/**
 * The weekly digest's Slack message with hostile text in it: Slack must show it as text (no mention, no link),
 * and what Slack shows after decoding its three entities must be the text exactly as given.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { composeDigest, digestSlackText } from '../../../src/alerts/digest.js';
import { sendDigest } from '../../../src/alerts/digest-sender.js';

const HOSTILE = '<!channel> <http://evil.example|click> & <b>x</b>';
/** HOSTILE escaped for Slack, worked out by hand. */
const HOSTILE_ESCAPED = '&lt;!channel&gt; &lt;http://evil.example|click&gt; &amp; &lt;b&gt;x&lt;/b&gt;';

/** What Slack shows for escaped text: its three entities decoded. */
const slackShows = (text: string) => text.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');

describe('weekly digest on Slack', () => {
  it('when a workshop name with a mention, a link and markup is in the digest, then Slack gets it escaped', () => {
    const text = digestSlackText({
      subject: `[Workshop analytics] ${HOSTILE}`,
      text: `Top workshop: ${HOSTILE} 🚗\u2028(1e308 km)\n`,
    });
    expect(text).toBe(
      `*[Workshop analytics] ${HOSTILE_ESCAPED}*\nTop workshop: ${HOSTILE_ESCAPED} 🚗\u2028(1e308 km)\n`,
    );
    expect(text).not.toMatch(/[<>]/);
    expect(slackShows(text)).toBe(`*[Workshop analytics] ${HOSTILE}*\nTop workshop: ${HOSTILE} 🚗\u2028(1e308 km)\n`);
  });

  it('when composed text carries hostile values (week label, dashboard URL), then none reaches Slack as markup', () => {
    const digest = composeDigest(HOSTILE, undefined, undefined, `http://grafana.example/d/x?a=1&b=${HOSTILE}`);
    const text = digestSlackText(digest);
    expect(text).not.toMatch(/[<>]/);
    expect(text).toContain(`week of ${HOSTILE_ESCAPED}: no KPI row`);
    expect(text).toContain(`Dashboard: http://grafana.example/d/x?a=1&amp;b=${HOSTILE_ESCAPED}\n`);
    expect(slackShows(text)).toBe(`*${digest.subject}*\n${digest.text}`);
  });

  it('when the digest is sent, then the Slack webhook receives the escaped text', async () => {
    const received: string[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push(body);
        res.end('ok');
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const dir = mkdtempSync(path.join(tmpdir(), 'digest-slack-'));
    try {
      const urlFile = path.join(dir, 'slack-webhook-url');
      writeFileSync(urlFile, `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook\n`);
      const digest = { subject: 'Weekly digest', text: `Top workshop: ${HOSTILE}\n` };
      const outcome = await sendDigest(
        digest,
        { slackWebhookUrlFile: urlFile, emailFrom: 'a@example.test', emailTo: [] },
        (channel, err) => {
          throw new Error(`${channel}: ${String(err)}`);
        },
      );
      expect(outcome).toEqual({ slack: 'sent', email: 'skipped' });
      expect(received.map((b) => JSON.parse(b) as unknown)).toEqual([
        { text: `*Weekly digest*\nTop workshop: ${HOSTILE_ESCAPED}\n` },
      ]);
    } finally {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
