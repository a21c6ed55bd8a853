/**
 * The generated dashboards never put a raw name into a URL or into markup: every variable a data link, panel
 * link, dashboard link or text panel interpolates is a built-in (time range), an id column of type uuid, or
 * carries an encoding format (`:percentencode`, `:queryparam`). Table cells and legends render names as text,
 * which Grafana escapes; a link or a text panel would not, so those are what this checks.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const DASHBOARDS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../grafana/dashboards');

/** Variables whose values cannot hold a name: Grafana's time range, and workshop ids (uuid columns and labels). */
const SAFE_VARIABLES = new Set([
  '__url_time_range',
  '__from',
  '__to',
  '__data.fields.workshop_id',
  '__field.labels.workshop_id',
  'workshop',
]);
const ENCODING_FORMATS = new Set(['percentencode', 'queryparam']);

interface Place {
  where: string;
  text: string;
}

type Json = Record<string, unknown>;
const list = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);

/** Every URL and text-panel content of a dashboard, with where it is. */
function interpolatedTexts(dashboard: Json): Place[] {
  const places: Place[] = list(dashboard.links).map((l) => ({ where: 'dashboard link', text: String(l.url ?? '') }));
  const panels = list(dashboard.panels).flatMap((p) => [p, ...list(p.panels)]);
  for (const p of panels) {
    const title = String(p.title);
    for (const l of list(p.links)) places.push({ where: `panel link of "${title}"`, text: String(l.url ?? '') });
    const fieldConfig = (p.fieldConfig ?? {}) as { defaults?: Json; overrides?: Json[] };
    for (const l of list(fieldConfig.defaults?.links))
      places.push({ where: `data link of "${title}"`, text: String(l.url ?? '') });
    for (const o of list(fieldConfig.overrides))
      for (const prop of list(o.properties).filter((x) => x.id === 'links'))
        for (const l of list(prop.value))
          places.push({ where: `override data link of "${title}"`, text: String(l.url ?? '') });
    if (p.type === 'text') places.push({ where: `text panel "${title}"`, text: JSON.stringify(p.options ?? {}) });
  }
  return places;
}

/** Interpolations (`${name}`, `${name:format}`, `$name`, `[[name]]`) that are neither safe nor encoded. */
function unsafeInterpolations(dashboard: Json): string[] {
  const problems: string[] = [];
  for (const { where, text } of interpolatedTexts(dashboard)) {
    const uses = [...text.matchAll(/\$\{([^}:]+)(?::([^}]+))?\}|\$([A-Za-z_][\w.]*)|\[\[([^\]:]+)(?::([^\]]+))?\]\]/g)];
    for (const m of uses) {
      const name = m[1] ?? m[3] ?? m[4]!;
      const format = m[2] ?? m[5];
      if (!SAFE_VARIABLES.has(name) && !(format && ENCODING_FORMATS.has(format))) problems.push(`${where}: ${m[0]}`);
    }
  }
  return problems;
}

const files = readdirSync(DASHBOARDS).filter((f) => f.endsWith('.json'));

describe('dashboard links and text panels', () => {
  it.each(files)('%s interpolates no raw name into a URL or markup', (file) => {
    const dashboard = JSON.parse(readFileSync(path.join(DASHBOARDS, file), 'utf8')) as Json;
    expect(interpolatedTexts(dashboard).length).toBeGreaterThan(0);
    expect(unsafeInterpolations(dashboard)).toEqual([]);
  });

  it('when a data link or text panel interpolates a name without encoding, then the check reports it', () => {
    const link = (url: string) => ({ fieldConfig: { defaults: { links: [{ url }] } } });
    const dashboard = {
      panels: [
        { title: 'raw', ...link('/d/x?var-workshop=${__data.fields.name}&${__url_time_range}') },
        { title: 'encoded', ...link('/d/x?name=${__data.fields.name:percentencode}') },
        { title: 'bare', ...link('/d/x?city=$city') },
        { title: 'value', ...link('https://maps.example/?q=${__value.raw}') },
        { title: 'note', type: 'text', options: { mode: 'markdown', content: '[open](/d/x?w=${workshop_name})' } },
      ],
    };
    expect(unsafeInterpolations(dashboard)).toEqual([
      'data link of "raw": ${__data.fields.name}',
      'data link of "bare": $city',
      'data link of "value": ${__value.raw}',
      'text panel "note": ${workshop_name}',
    ]);
  });
});
