/**
 * CSV (RFC 4180) with formula neutralisation: a text cell that a spreadsheet would run as a formula (starting with
 * =, +, -, @, tab or carriage return; OWASP "CSV injection") gets a leading apostrophe. Numbers are written as
 * they are (a negative number is not a formula).
 */
export function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  let s = String(v);
  if (typeof v !== 'number' && typeof v !== 'bigint' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A header line and one line per row, each ending in \n. */
export function csvTable(columns: readonly string[], rows: ReadonlyArray<Readonly<Record<string, unknown>>>): string {
  return [columns.join(','), ...rows.map((r) => columns.map((c) => csvCell(r[c])).join(','))].join('\n') + '\n';
}
