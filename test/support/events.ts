/** Builders for valid catalogue events used across tests. */
import { randomUUID } from 'node:crypto';

export const uuid = () => randomUUID();

export function ev(type: string, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return { id: randomUUID(), type, ...fields };
}

export const signupSuccess = (workshopId: string, at: string, meta: Record<string, unknown> = {}) =>
  ev('workshop_signup_success', {
    workshop_id: workshopId,
    occurred_at: at,
    metadata: { name: 'Toronto Auto Specialists', city: 'Toronto', ...meta },
  });
