import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvCell, csvLine, toCsv } from '../../../src/http/csv.js';
import { parseCsv } from '../../support/csv.js';

describe('csvCell', () => {
  it.each([
    ['null', null, ''],
    ['undefined', undefined, ''],
    ['a number', -5, '-5'],
    ['a boolean', false, 'false'],
    ['plain text', 'Toronto', 'Toronto'],
    ['a comma', 'a,b', '"a,b"'],
    ['quotes', 'say "hi"', '"say ""hi"""'],
    ['a newline', 'a\nb', '"a\nb"'],
    ['a CR', 'a\rb', '"a\rb"'],
    ['emoji and U+2028', '🚗\u2028', '🚗\u2028'],
    ['= first', '=1+1', "'=1+1"],
    ['+ first', '+1', "'+1"],
    ['- first (text)', '-1', "'-1"],
    ['@ first', '@SUM(A1)', "'@SUM(A1)"],
    ['tab first', '\tx', "'\tx"],
    ['CR first', '\rx', '"\'\rx"'],
    ['= first with a comma', '=HYPERLINK("a","b")', '"\'=HYPERLINK(""a"",""b"")"'],
  ])('%s', (_what, value, written) => {
    expect(csvCell(value)).toBe(written);
  });
});

describe('toCsv', () => {
  it('writes the header, then each row in column order, a missing value empty', () => {
    expect(toCsv(['a', 'b'], [{ a: 1, b: 'x' }, { b: 'y' }])).toBe('a,b\n1,x\n,y\n');
  });

  it('round-trips any text through a CSV reader, formula-looking text read back with its leading quote', () => {
    const text = fc.string({
      unit: fc.constantFrom('a', ',', '"', '\n', '\r', '=', '+', '-', '@', '\t', '🚗', '\u2028', "'"),
    });
    fc.assert(
      fc.property(fc.array(fc.tuple(text, text), { maxLength: 5 }), (rows) => {
        const parsed = parseCsv(rows.map((r) => csvLine(r)).join(''));
        expect(parsed).toEqual(rows.map((r) => r.map((c) => (/^[=+\-@\t\r]/.test(c) ? `'${c}` : c))));
      }),
    );
  });
});
