/** The routes an Express router serves, as `{method, path}` (lower-case method, Express path): for the API docs. */
import type { Router } from 'express';

export interface ServedRoute {
  method: string;
  path: string;
}

/** Every method and path of `routers`' routes (a route's layers each name their method), sorted. */
export function routeTable(routers: readonly Router[]): ServedRoute[] {
  const seen = new Map<string, ServedRoute>();
  for (const router of routers)
    for (const layer of router.stack) {
      if (!layer.route) continue;
      for (const { method } of layer.route.stack)
        if (method) seen.set(`${method} ${layer.route.path}`, { method, path: layer.route.path });
    }
  return [...seen.values()].sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
}
