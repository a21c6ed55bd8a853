/** workshop_alerts: one row per alert instance from Alertmanager, plus acknowledgement. */
import type pg from 'pg';

export interface AlertInstance {
  fingerprint: string;
  status: 'firing' | 'resolved';
  alertname: string;
  severity: 'critical' | 'warning' | 'info';
  title: string;
  message: string;
  workshopId: string | null;
  startsAt: string;
  endsAt: string | null;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  metadata: Record<string, unknown>;
}

export interface AlertRow {
  id: string;
  alert_type: string;
  severity: string;
  status: string;
  title: string;
  message: string;
  workshop_id: string | null;
  fingerprint: string;
  starts_at: string;
  ends_at: string | null;
  resolved_at: string | null;
  acknowledged: boolean;
  acknowledged_by: string | null;
  acknowledged_at: string | null;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  created_at: string;
  updated_at: string;
}

const COLUMNS = `id, alert_type, severity, status, title, message, workshop_id, fingerprint, starts_at, ends_at,
  resolved_at, acknowledged, acknowledged_by, acknowledged_at, labels, annotations, created_at, updated_at`;

const iso = (d: unknown) => (d instanceof Date ? d.toISOString() : (d as null));
function toRow(r: Record<string, unknown>): AlertRow {
  const out = { ...r } as Record<string, unknown>;
  for (const k of ['starts_at', 'ends_at', 'resolved_at', 'acknowledged_at', 'created_at', 'updated_at'])
    out[k] = iso(r[k]);
  return out as unknown as AlertRow;
}

export class AlertStore {
  constructor(private readonly pool: pg.Pool) {}

  /**
   * Records a notification's alerts in one statement: a new instance is inserted; a known one gets its
   * latest annotations, and is marked resolved when resolved. A resolved instance is never reopened
   * (Alertmanager starts a new instance, with a new startsAt, when the condition returns).
   */
  async record(alerts: readonly AlertInstance[]): Promise<number> {
    if (alerts.length === 0) return 0;
    const col = <T>(f: (a: AlertInstance) => T) => alerts.map(f);
    const res = await this.pool.query(
      `INSERT INTO workshop_alerts AS t (fingerprint, status, alert_type, severity, title, message, workshop_id,
                                         starts_at, ends_at, resolved_at, labels, annotations, metadata)
       SELECT u.fingerprint, u.status, u.alertname, u.severity, u.title, u.message, u.workshop_id, u.starts_at,
              u.ends_at,
              CASE WHEN u.status = 'resolved' THEN now() END, u.labels, u.annotations, u.metadata
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::uuid[],
                     $8::timestamptz[], $9::timestamptz[], $10::jsonb[], $11::jsonb[], $12::jsonb[])
           AS u(fingerprint, status, alertname, severity, title, message, workshop_id, starts_at, ends_at, labels,
                annotations, metadata)
       ON CONFLICT (fingerprint, starts_at) DO UPDATE SET
         status = CASE WHEN t.status = 'resolved' THEN 'resolved' ELSE excluded.status END,
         ends_at = CASE WHEN t.status = 'resolved' THEN t.ends_at ELSE excluded.ends_at END,
         resolved_at = CASE WHEN t.status = 'resolved' THEN t.resolved_at
                            WHEN excluded.status = 'resolved' THEN now() END,
         title = excluded.title, message = excluded.message, annotations = excluded.annotations, updated_at = now()`,
      [
        col((a) => a.fingerprint),
        col((a) => a.status),
        col((a) => a.alertname),
        col((a) => a.severity),
        col((a) => a.title),
        col((a) => a.message),
        col((a) => a.workshopId),
        col((a) => a.startsAt),
        col((a) => a.endsAt),
        col((a) => JSON.stringify(a.labels)),
        col((a) => JSON.stringify(a.annotations)),
        col((a) => JSON.stringify(a.metadata)),
      ],
    );
    return res.rowCount ?? 0;
  }

  async list(status: 'open' | 'resolved' | 'all', limit: number): Promise<AlertRow[]> {
    const where =
      status === 'open' ? `WHERE status = 'firing'` : status === 'resolved' ? `WHERE status = 'resolved'` : '';
    const res = await this.pool.query(
      `SELECT ${COLUMNS} FROM workshop_alerts ${where} ORDER BY starts_at DESC NULLS LAST, created_at DESC LIMIT $1`,
      [limit],
    );
    return res.rows.map(toRow);
  }

  /** Acknowledges once (the first acknowledgement is kept); undefined when the id is unknown. */
  async acknowledge(id: string, by: string): Promise<AlertRow | undefined> {
    const res = await this.pool.query(
      `UPDATE workshop_alerts SET acknowledged = true,
              acknowledged_by = coalesce(acknowledged_by, $2), acknowledged_at = coalesce(acknowledged_at, now()),
              updated_at = now()
        WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, by],
    );
    return res.rows[0] ? toRow(res.rows[0]) : undefined;
  }
}
