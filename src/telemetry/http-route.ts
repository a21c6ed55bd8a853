/**
 * Names the current HTTP server span after its route (`POST /v1/events`) for handlers served outside Express,
 * the way Express' instrumentation does for its routes. A no-op when tracing is off.
 */
import { context } from '@opentelemetry/api';
import { getRPCMetadata, RPCType } from '@opentelemetry/core';

export function reportHttpRoute(route: string): void {
  const meta = getRPCMetadata(context.active());
  if (meta?.type === RPCType.HTTP) meta.route = route;
}
