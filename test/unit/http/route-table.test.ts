import { Router } from 'express';
import { describe, expect, it } from 'vitest';
import { routeTable } from '../../../src/http/route-table.js';

const ok = () => undefined;

describe('routeTable', () => {
  it('lists each method of each route of every router once, sorted, and skips middleware', () => {
    const a = Router();
    a.use(ok); // middleware: not a route
    a.get('/b/:id/x', ok, ok);
    a.post('/b/:id/x', ok);
    const b = Router();
    b.route('/a').get(ok).post(ok);
    b.get('/b/:id/x', ok); // the same route in a second router: listed once
    expect(routeTable([a, b])).toEqual([
      { method: 'get', path: '/a' },
      { method: 'post', path: '/a' },
      { method: 'get', path: '/b/:id/x' },
      { method: 'post', path: '/b/:id/x' },
    ]);
  });

  it('lists nothing for routers without routes', () => {
    expect(routeTable([Router(), Router()])).toEqual([]);
  });
});
