/**
 * Charts of a report, rendered to SVG by Apache ECharts in Node (server-side rendering: no DOM, no canvas).
 * A chart is data (ChartSpec: days, one series per KPI, reference lines); this module only turns it into an
 * ECharts option and the option into an SVG string. ECharts escapes every text it writes into the SVG.
 */
import type * as Echarts from 'echarts';
import type { KpiUnit } from './kpi-labels.js';

export interface ChartSeries {
  /** The KPI column the series shows. */
  column: string;
  /** Legend name (unique within the chart). */
  name: string;
  /** One value per day of the chart; null: no row or no value that day (a gap). */
  values: ReadonlyArray<number | null>;
}

export interface ChartSpec {
  /** Stable id (letters, digits, dashes): prefixes the SVG's ids, so charts in one page never clash. */
  id: string;
  title: string;
  unit: KpiUnit;
  days: readonly string[];
  series: readonly ChartSeries[];
  /** Horizontal reference lines: targets, the beta range. */
  lines: ReadonlyArray<{ name: string; value: number }>;
}

export interface RenderedChart {
  id: string;
  title: string;
  /** Legend names, one per series, in order. */
  series: string[];
  svg: string;
}

export const CHART_WIDTH = 760;
export const CHART_HEIGHT = 320;

const axisUnit: Record<KpiUnit, string> = {
  '%': '{value}%',
  h: '{value} h',
  $: '{value}',
  ms: '{value} ms',
  '': '{value}',
};

/** The ECharts option of a spec (exported for tests: they check one series per KPI). */
export function chartOption(spec: ChartSpec): Echarts.EChartsCoreOption {
  return {
    animation: false,
    // ECharts measures text without a browser by a Helvetica-like width table: name that font, and leave the
    // legend room, so its items do not run into each other where the reader's font is wider
    textStyle: { fontFamily: 'Helvetica, Arial, sans-serif' },
    title: { text: spec.title, left: 8, top: 6, textStyle: { fontSize: 14 } },
    legend: { top: 32, left: 8, right: 8, itemGap: 28, data: spec.series.map((s) => s.name) },
    grid: { left: 56, right: 24, top: 72 + 22 * Math.floor(spec.series.length / 3), bottom: 36 },
    xAxis: { type: 'category', data: spec.days.map((d) => d.slice(5)), boundaryGap: false },
    yAxis: { type: 'value', axisLabel: { formatter: axisUnit[spec.unit] }, scale: spec.unit !== '%' ? false : true },
    series: spec.series.map((s, i) => ({
      name: s.name,
      type: 'line',
      data: [...s.values],
      connectNulls: false,
      symbolSize: 4,
      ...(i === 0 && spec.lines.length
        ? {
            markLine: {
              symbol: 'none',
              silent: true,
              lineStyle: { type: 'dashed', color: '#b03a2e' },
              label: { formatter: '{b}', position: 'insideEndTop' },
              data: spec.lines.map((l) => ({ name: l.name, yAxis: l.value })),
            },
          }
        : {}),
    })),
  };
}

/**
 * zrender numbers its ids and classes per process (zr0-c0, zr0-cls-0, zr1-…; the counters run on across charts):
 * name them after the chart and number them in order of appearance, so a chart's SVG is the same in every process
 * and two charts in one page never share an id.
 */
export function stableIds(svg: string, chartId: string): string {
  const seen = new Map<string, string>();
  const perKind = new Map<string, number>();
  return svg.replace(/\bzr\d+-([a-z]+-?)(\d+)\b/g, (token, kind: string) => {
    let name = seen.get(token);
    if (!name) {
      const n = perKind.get(kind) ?? 0;
      perKind.set(kind, n + 1);
      name = `${chartId}-${kind}${n}`;
      seen.set(token, name);
    }
    return name;
  });
}

/**
 * ECharts, loaded on first use: importing it takes about 0.8 s and 40 MiB, which a service that never renders a
 * chart (no digest e-mail, no report asked for) should not pay at start.
 */
let echartsModule: Promise<typeof Echarts> | undefined;
const loadEcharts = () => (echartsModule ??= import('echarts'));

/** The chart as a standalone SVG document string. */
export async function renderChart(spec: ChartSpec): Promise<RenderedChart> {
  const echarts = await loadEcharts();
  if (!/^[a-z][a-z0-9-]*$/.test(spec.id)) throw new Error(`chart id ${JSON.stringify(spec.id)}: letters, digits, -`);
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: CHART_WIDTH, height: CHART_HEIGHT });
  try {
    chart.setOption(chartOption(spec));
    const svg = stableIds(chart.renderToSVGString(), spec.id);
    return { id: spec.id, title: spec.title, series: spec.series.map((s) => s.name), svg };
  } finally {
    chart.dispose();
  }
}

/** Several charts, in order. */
export async function renderCharts(specs: readonly ChartSpec[]): Promise<RenderedChart[]> {
  const out: RenderedChart[] = [];
  for (const spec of specs) out.push(await renderChart(spec));
  return out;
}
