import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toInstances } from '../../../src/alerts/alert-routes.js';

type Body = Parameters<typeof toInstances>[0];
type Alert = Body['alerts'][number];

const W = '5f0c7a8e-3b1d-4c2e-9a41-6d2f8b7e1c03';
const FIRING_ENDS_AT = '0001-01-01T00:00:00Z'; // what Alertmanager sends while an alert fires

const alert = (overrides: Partial<Alert> = {}): Alert => ({
  status: 'firing',
  labels: { alertname: 'WorkshopApplicationStuck', severity: 'critical', workshop_id: W },
  annotations: { summary: 'Application stuck', description: 'Toronto Auto Specialists pending 2d 1h' },
  startsAt: '2026-11-21T10:00:00Z',
  endsAt: FIRING_ENDS_AT,
  generatorURL: 'http://prometheus:9090/graph',
  fingerprint: 'f1',
  ...overrides,
});
const body = (alerts: Alert[], overrides: Partial<Body> = {}): Body => ({
  version: '4',
  status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
  alerts,
  externalURL: 'http://alertmanager:9093',
  receiver: 'service-webhook',
  ...overrides,
});

describe('toInstances (Alertmanager webhook → alert instances)', () => {
  it('a firing alert becomes one instance with its labels, texts, workshop and no end yet', () => {
    const a = alert();
    expect(toInstances(body([a]))).toEqual([
      {
        fingerprint: 'f1',
        status: 'firing',
        alertname: 'WorkshopApplicationStuck',
        severity: 'critical',
        title: 'Application stuck',
        message: 'Toronto Auto Specialists pending 2d 1h',
        workshopId: W,
        startsAt: '2026-11-21T10:00:00Z',
        endsAt: null,
        labels: a.labels,
        annotations: a.annotations,
        metadata: {
          generator_url: 'http://prometheus:9090/graph',
          external_url: 'http://alertmanager:9093',
          receiver: 'service-webhook',
        },
      },
    ]);
  });

  it('a resolved alert keeps its end time', () => {
    const [i] = toInstances(body([alert({ status: 'resolved', endsAt: '2026-11-21T11:00:00Z' })]));
    expect(i).toMatchObject({ status: 'resolved', endsAt: '2026-11-21T11:00:00Z' });
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ["Alertmanager's zero time", FIRING_ENDS_AT],
    ['not a time', 'soon'],
    ['a date that does not exist', '2026-02-30T25:00:00Z'],
  ])('when endsAt is %s, then the instance has no end', (_what, endsAt) => {
    expect(toInstances(body([alert({ endsAt })]))[0]!.endsAt).toBeNull();
  });

  it('when the workshop_id label is absent or not a UUID, then the instance names no workshop', () => {
    const noLabel = alert({ labels: { alertname: 'WorkshopApprovalBacklog', severity: 'warning' } });
    const notUuid = alert({ fingerprint: 'f2', labels: { ...alert().labels, workshop_id: 'shop-42' } });
    expect(toInstances(body([noLabel, notUuid])).map((i) => i.workshopId)).toEqual([null, null]);
  });

  it('an upper-case workshop_id is stored lower-case (the labels keep what was sent)', () => {
    const [i] = toInstances(body([alert({ labels: { ...alert().labels, workshop_id: W.toUpperCase() } })]));
    expect(i!.workshopId).toBe(W);
    expect(i!.labels.workshop_id).toBe(W.toUpperCase());
  });

  it.each(['critical', 'warning', 'info'])('severity %s is kept as it is', (severity) => {
    const [i] = toInstances(body([alert({ labels: { alertname: 'X', severity } })]));
    expect(i!.severity).toBe(severity);
    expect(i!.metadata).not.toHaveProperty('original_severity');
  });

  it('when severity is missing or unknown, then it is recorded as warning and the original is kept in metadata', () => {
    const [missing, unknown] = toInstances(
      body([
        alert({ labels: { alertname: 'X' } }),
        alert({ fingerprint: 'f2', labels: { alertname: 'X', severity: 'page' } }),
      ]),
    );
    expect(missing).toMatchObject({ severity: 'warning', metadata: { original_severity: null } });
    expect(unknown).toMatchObject({ severity: 'warning', metadata: { original_severity: 'page' } });
  });

  it('when annotations are missing, then the title and message fall back to the summary, then the alert name', () => {
    const [none, summaryOnly] = toInstances(
      body([alert({ annotations: {} }), alert({ fingerprint: 'f2', annotations: { summary: 'Backlog' } })]),
    );
    expect(none).toMatchObject({ title: 'WorkshopApplicationStuck', message: 'WorkshopApplicationStuck' });
    expect(summaryOnly).toMatchObject({ title: 'Backlog', message: 'Backlog' });
  });

  it('when the notification leaves out its URLs and receiver, then metadata holds nulls', () => {
    const [i] = toInstances(
      body([alert({ generatorURL: undefined })], { externalURL: undefined, receiver: undefined }),
    );
    expect(i!.metadata).toEqual({ generator_url: null, external_url: null, receiver: null });
  });

  it('the same instance twice in one notification (fingerprint and start) is recorded once, as last sent', () => {
    const first = alert({ annotations: { summary: 'old' } });
    const last = alert({ annotations: { summary: 'new' } });
    const again = alert({ startsAt: '2026-11-22T10:00:00Z' }); // same fingerprint, fired again later: another instance
    const out = toInstances(body([first, last, again]));
    expect(out.map((i) => [i.fingerprint, i.startsAt, i.title])).toEqual([
      ['f1', '2026-11-21T10:00:00Z', 'new'],
      ['f1', '2026-11-22T10:00:00Z', 'Application stuck'],
    ]);
  });

  it('gives one instance per distinct (fingerprint, startsAt), each from the last alert sent with that key', () => {
    const arbitraryAlert = fc.record({
      fingerprint: fc.constantFrom('f1', 'f2', 'f3'),
      startsAt: fc.constantFrom('2026-11-21T10:00:00Z', '2026-11-21T11:00:00Z'),
      status: fc.constantFrom('firing' as const, 'resolved' as const),
      summary: fc.string({ maxLength: 5 }),
    });
    fc.assert(
      fc.property(fc.array(arbitraryAlert, { minLength: 1, maxLength: 12 }), (alerts) => {
        const out = toInstances(body(alerts.map((a) => alert({ ...a, annotations: { summary: a.summary } }))));
        const lastByKey = new Map<string, (typeof alerts)[number]>();
        for (const a of alerts) lastByKey.set(`${a.fingerprint} ${a.startsAt}`, a);
        expect(out.map((i) => [i.fingerprint, i.startsAt, i.status, i.title]).sort()).toEqual(
          [...lastByKey.values()].map((a) => [a.fingerprint, a.startsAt, a.status, a.summary]).sort(),
        );
      }),
    );
  });
});
