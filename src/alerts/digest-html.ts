/**
 * The weekly digest's HTML part: the same lines as the plain-text part, then the week's daily charts as inline
 * SVG (reports/charts.ts). Every text is escaped. The plain-text part stays for clients that show no HTML, and
 * clients that drop inline SVG (Gmail among them) still show the lines.
 */
import type { RenderedChart } from '../reports/charts.js';
import { escapeHtml } from '../reports/report-html.js';
import type { Digest } from './digest.js';

export function digestHtml(d: Pick<Digest, 'subject' | 'text'>, charts: readonly RenderedChart[]): string {
  const e = escapeHtml;
  const [header = '', ...rest] = d.text.trimEnd().split('\n');
  const lines = rest.filter((l) => l.startsWith('• ')).map((l) => `<li>${e(l.slice(2))}</li>`);
  const others = rest.filter((l) => l.trim() && !l.startsWith('• ')).map((l) => `<p>${e(l)}</p>`);
  const figures = charts.map((c) => `<div>${c.svg}</div><p style="font-size:12px;color:#57606a">${e(c.title)}</p>`);
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${e(d.subject)}</title></head>
<body style="font-family:system-ui,sans-serif;color:#1f2328">
<p><strong>${e(header)}</strong></p>
<ul>
${lines.join('\n')}
</ul>
${others.join('\n')}
${figures.join('\n')}
</body></html>
`;
}
