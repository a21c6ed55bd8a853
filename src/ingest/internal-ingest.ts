/**
 * Events the service emits itself (e.g. invitation expiry) take the same path as clients' events: validation,
 * group commit, metrics. An invalid internal event is a defect, reported as such.
 */
import type { IpMode } from '../config.js';
import { AppError } from '../errors.js';
import { validateBody } from './event-schema.js';
import type { EventWriter, SubmitResult } from './event-service.js';

export function internalIngest(
  writer: Pick<EventWriter, 'submit'>,
  ipMode: IpMode,
): (events: Array<Record<string, unknown>>) => Promise<SubmitResult> {
  return async (events) => {
    const r = validateBody({ events }, { ipMode, nowMs: Date.now() });
    if ('problems' in r)
      throw new AppError('validation_failed', 400, `internal events invalid: ${JSON.stringify(r.problems)}`);
    return writer.submit(r.events);
  };
}
