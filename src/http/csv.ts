/**
 * CSV (RFC 4180) for the admin exports: one header row, records ending with \n, and a cell quoted when it holds a
 * comma, a quote, CR or LF (quotes doubled). Text cells that a spreadsheet would read as a formula — starting with
 * `=`, `+`, `-`, `@`, a tab or CR — are neutralised with a leading single quote (OWASP "CSV injection"); numbers and
 * booleans are written as they are, so -5 stays a number. The event export writes these same rules in SQL
 * (src/events/event-search-sql.ts, exportCopyQuery): a change here is a change there (event-search.test.ts compares
 * the two byte for byte).
 */

/** Characters that make a spreadsheet evaluate a text cell as a formula. */
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** One cell: null and undefined empty, text neutralised and quoted as needed. */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let s = String(value);
  if (typeof value === 'string' && FORMULA_START.test(s)) s = `'${s}`;
  return NEEDS_QUOTES.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One record with its line end. */
export function csvLine(values: readonly unknown[]): string {
  return `${values.map(csvCell).join(',')}\n`;
}

/** A whole document: the header `columns`, then each row's values of those columns (a missing one empty). */
export function toCsv(columns: readonly string[], rows: readonly object[]): string {
  let out = csvLine(columns);
  for (const r of rows) out += csvLine(columns.map((c) => (r as Record<string, unknown>)[c]));
  return out;
}
