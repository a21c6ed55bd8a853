/**
 * What JSON can carry but the event log cannot, found before anything recursive touches the input: NUL
 * characters (PostgreSQL text and jsonb refuse them), lone UTF-16 surrogates (jsonb refuses them; text would
 * store U+FFFD), nesting deeper than MAX_DEPTH (JSON.stringify and zod recurse), and non-finite numbers.
 * The walk uses an explicit stack, so 100,000 levels cost one problem, not a stack overflow.
 */
export const MAX_DEPTH = 32;
/** At most this many hostile-input problems are reported per event (a 1 MiB body could hold a million). */
export const MAX_PROBLEMS = 10;

export interface InputProblem {
  path: string;
  message: string;
}

const NUL = 'must not contain the NUL character (\\u0000)';
const SURROGATE = 'must not contain a lone UTF-16 surrogate (\\ud800-\\udfff without its pair)';
const NOT_FINITE = 'must be a finite number';
const TOO_DEEP = `must not nest objects and arrays deeper than ${MAX_DEPTH} levels (metadata is level 1)`;

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
// eslint-disable-next-line no-control-regex
const BAD_FOR_PATH = /[\u0000-\u001f\ud800-\udfff]/g;

/** What is wrong with a string, or undefined. */
function stringProblem(s: string): string | undefined {
  if (s.includes('\u0000')) return NUL;
  if (LONE_SURROGATE.test(s)) return SURROGATE;
  return undefined;
}

/** A key as shown in a path: control characters and surrogates spelled as \uXXXX, so the path stays printable. */
function pathKey(key: string): string {
  return key.replace(BAD_FOR_PATH, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * The hostile parts of one raw event (a parsed JSON value), in document order, with their paths in the
 * validation style (`metadata.list.3`). The event object is level 0, so its `metadata` object is level 1 and
 * metadata may hold objects and arrays down to level MAX_DEPTH.
 */
export function hostileInput(raw: unknown): InputProblem[] {
  type Item = { value: unknown; path: string; level: number } | InputProblem;
  const problems: InputProblem[] = [];
  const stack: Item[] = [{ value: raw, path: '', level: 0 }];
  while (stack.length > 0 && problems.length < MAX_PROBLEMS) {
    const item = stack.pop()!;
    if ('message' in item) {
      problems.push(item);
      continue;
    }
    const { value, path, level } = item;
    if (typeof value === 'string') {
      const message = stringProblem(value);
      if (message) problems.push({ path, message });
    } else if (typeof value === 'number') {
      if (!Number.isFinite(value)) problems.push({ path, message: NOT_FINITE });
    } else if (value !== null && typeof value === 'object') {
      if (level > MAX_DEPTH) {
        problems.push({ path, message: TOO_DEEP });
        continue;
      }
      const isArray = Array.isArray(value);
      const entries: Array<[string, unknown]> = isArray ? value.map((v, i) => [String(i), v]) : Object.entries(value);
      // pushed in reverse, so that they are popped in document order
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, v] = entries[i]!;
        const p = path === '' ? pathKey(key) : `${path}.${pathKey(key)}`;
        const keyProblem = isArray ? undefined : stringProblem(key);
        stack.push(keyProblem ? { path: p, message: `key ${keyProblem}` } : { value: v, path: p, level: level + 1 });
      }
    }
  }
  return problems;
}
