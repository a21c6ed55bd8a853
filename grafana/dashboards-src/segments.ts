/**
 * Segments: the `region` and `city` variables (multi-value, with All, default All) and the filters panels apply
 * with them. Region is workshops.region (metadata.region, else the default mapping from the city: docs/regions.md).
 * - SQL: `coalesce(region, '(none)') IN ($region)`: Grafana expands the selection (All: every option) as quoted,
 *   escaped SQL strings; a workshop without a region or city (its signup not stored yet, or a region not yet
 *   rebuilt) is the option "(none)", so All still shows it.
 * - PromQL: `workshop_id:workshop_info:names{region=~"$region", city=~"$city"}` (workshop_info by the recording
 *   rule) joined on workshop_id: Grafana expands the selection as an escaped regular expression. workshop_info
 *   exists for workshops with a name, which always have a city and so a region (the service falls back to the
 *   mapping when the column is still empty); a workshop without workshop_info ("(unnamed workshop)") matches no
 *   region, so the per-workshop Prometheus panels leave it out.
 * City options follow the selected regions.
 */
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { POSTGRES } from './defaults.js';

/** What a missing region or city is called in the options and the SQL filters. */
export const NONE = '(none)';

function segmentVariable(name: string, label: string, description: string, query: string) {
  return new dashboard.QueryVariableBuilder(name)
    .label(label)
    .description(description)
    .datasource(POSTGRES)
    .query(query)
    .definition(query)
    .multi(true)
    .includeAll(true)
    .current({ selected: true, text: ['All'], value: ['$__all'] })
    .refresh(dashboard.VariableRefresh.OnDashboardLoad)
    .sort(dashboard.VariableSort.AlphabeticalAsc);
}

export function regionVariable() {
  return segmentVariable(
    'region',
    'Region',
    `Workshop regions (metadata.region, else the default mapping from the city: docs/regions.md); "${NONE}": not known.`,
    `SELECT DISTINCT coalesce(region, '${NONE}') AS __value, coalesce(region, '${NONE}') AS __text FROM workshops`,
  );
}

export function cityVariable() {
  return segmentVariable(
    'city',
    'City',
    `Cities of the workshops in the selected regions; "${NONE}": not known.`,
    `SELECT DISTINCT coalesce(city, '${NONE}') AS __value, coalesce(city, '${NONE}') AS __text FROM workshops WHERE coalesce(region, '${NONE}') IN ($region)`,
  );
}

/** Both, in dependency order (city options depend on region). */
export const segmentVariables = () => [regionVariable(), cityVariable()];

/** SQL condition: the workshops row (alias `w`, or none) is in the selected regions and cities. */
export const inSegmentSql = (alias = '') => {
  const a = alias ? `${alias}.` : '';
  return `coalesce(${a}region, '${NONE}') IN ($region) AND coalesce(${a}city, '${NONE}') IN ($city)`;
};

/** PromQL: one series per workshop of the selected regions and cities, labelled name, city and region. */
export const SEGMENT_NAMES = 'workshop_id:workshop_info:names{region=~"$region", city=~"$city"}';
