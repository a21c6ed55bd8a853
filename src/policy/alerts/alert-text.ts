/** Annotation snippets shared by the alerts: runbook links and the workshop name lookup. */
import type { AlertAnnotations, AnnotationText } from '../policy-types.js';

const RUNBOOKS = 'https://github.com/theautodoctor/workshop-analytics/blob/main/docs/runbooks.md';

/** The alert's section in docs/runbooks.md (the anchor is the lowercase alert name). */
export const runbookUrl = (name: string) => `${RUNBOOKS}#${name.toLowerCase()}`;

/** A query of one workshop's series in `workshop_id:workshop_info:names` style, by the alert's workshop_id. */
export const workshopQuery = (series: string) =>
  `{{ with printf "${series}{workshop_id='%s'}" $labels.workshop_id | query }}`;

const NAMES = workshopQuery('workshop_id:workshop_info:names');
/** The workshop's name, empty when unknown. */
export const WORKSHOP_NAME = `${NAMES}{{ . | first | label "name" }}{{ end }}`;
/** "Name (City)" of the workshop. */
export const WORKSHOP_NAME_CITY =
  `${NAMES}{{ with first . }}{{ label "name" . }}` + '{{ with label "city" . }} ({{ . }}){{ end }}{{ end }}{{ end }}';
/** A value of one workshop's series, humanized. */
export const workshopValue = (series: string) => `${workshopQuery(series)}{{ . | first | value | humanize }}{{ end }}`;
/** A value of a programme-wide series, humanized. */
export const programmeValue = (series: string) =>
  `{{ with query "${series}" }}{{ . | first | value | humanize }}{{ end }}`;

/** Per-workshop alerts carry the workshop's name and city as annotations (never labels: a rename keeps the alert). */
export function withWorkshop(summary: AnnotationText, description: AnnotationText): AlertAnnotations {
  return {
    name: [WORKSHOP_NAME],
    city: [`${NAMES}{{ . | first | label "city" }}{{ end }}`],
    summary,
    description,
  };
}

export const SCORECARD = '/d/workshop-health-scorecard?var-workshop={{ $labels.workshop_id }}';
export const OVERVIEW = '/d/workshop-overview';
