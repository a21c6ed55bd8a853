/** The optional W3C `traceparent` header of a request, from the app's `getTraceparent()` hook. */

/** `version-traceid-parentid-flags`, lower-case hex; all-zero trace or parent ids and version ff are invalid. */
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** Whether `value` is a W3C trace context `traceparent` header value (https://www.w3.org/TR/trace-context/). */
export function isTraceparent(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = TRACEPARENT.exec(value);
  return m !== null && m[1] !== 'ff' && !/^0+$/.test(m[2] as string) && !/^0+$/.test(m[3] as string);
}

/** The headers the hook asks for: `{ traceparent }`, or none when it returns nothing valid or throws. */
export function traceHeaders(getTraceparent: (() => string | undefined) | undefined): Record<string, string> {
  if (!getTraceparent) return {};
  try {
    const value = getTraceparent();
    return isTraceparent(value) ? { traceparent: value } : {};
  } catch {
    return {};
  }
}
