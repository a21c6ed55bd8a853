/** What the HTTP plumbing reports (implemented by telemetry/; a no-op in unit tests). */
export interface HttpMetrics {
  /** One answered request: `route` is a route template or `unmatched` (a closed set), never the raw path. */
  request(method: string, route: string, statusCode: number, seconds: number): void;
  /** Names the current server span after the route, for handlers served outside Express (no-op without tracing). */
  nameRoute(route: string): void;
}

export const noopHttpMetrics: HttpMetrics = {
  request() {},
  nameRoute() {},
};
