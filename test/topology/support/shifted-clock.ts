/**
 * Preloaded into a service process (`node --import tsx --import <this file> src/main.ts`) to move its wall clock by
 * TEST_CLOCK_OFFSET_MS milliseconds, as libfaketime's relative offsets do: `Date.now()` and `new Date()` read the
 * real clock plus the offset, so node-cron (which reads the clock through the global Date) fires a cron minute that
 * is hours away within seconds. Timers, PostgreSQL and everything else run on real time. Test-only: never loaded by
 * the service itself.
 */
const offset = Number(process.env.TEST_CLOCK_OFFSET_MS ?? 0);
if (!Number.isFinite(offset)) throw new Error(`TEST_CLOCK_OFFSET_MS must be a number of milliseconds, got ${offset}`);

if (offset !== 0) {
  const RealDate = Date;
  const now = () => RealDate.now() + offset;
  // a Proxy keeps Date.prototype, Date.UTC, Date.parse and instanceof as they are
  globalThis.Date = new Proxy(RealDate, {
    construct: (target, args, newTarget) => Reflect.construct(target, args.length ? args : [now()], newTarget),
    apply: () => new RealDate(now()).toString(),
    get: (target, prop, receiver) => (prop === 'now' ? now : Reflect.get(target, prop, receiver)),
  });
}
