-- Up Migration

-- grafana_reader: the read-only role Grafana's PostgreSQL data source uses. SELECT on the dashboard tables and
-- nothing else (not pgmigrations, not aggregator_runs/aggregator_jobs, no write anywhere).
--
-- Created NOLOGIN and without a password, so no secret is ever in SQL or git: whoever deploys gives it a login,
-- e.g. `ALTER ROLE grafana_reader WITH LOGIN PASSWORD '...'` (the compose job grafana-reader-login does this
-- from secrets/grafana-reader-password; see secrets/README.md). Roles are per cluster, so the role may already
-- exist (another database of the cluster, or created by a DBA beforehand): it is then kept as it is, login and
-- password included, and only granted privileges here — unless it is privileged, which is refused.
DO $$
DECLARE
  r pg_roles%ROWTYPE;
BEGIN
  SELECT * INTO r FROM pg_roles WHERE rolname = 'grafana_reader';
  IF NOT FOUND THEN
    BEGIN
      CREATE ROLE grafana_reader NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
      -- defence in depth for queries typed into Grafana: read-only transactions, bounded run time
      ALTER ROLE grafana_reader SET default_transaction_read_only = on;
      ALTER ROLE grafana_reader SET statement_timeout = '30s';
    EXCEPTION
      WHEN duplicate_object OR unique_violation THEN
        NULL; -- created concurrently (another database of the cluster migrating at the same time)
      WHEN insufficient_privilege THEN
        RAISE EXCEPTION 'role grafana_reader does not exist and % may not create roles', current_user
          USING HINT = 'create it as a role with CREATEROLE: CREATE ROLE grafana_reader NOLOGIN; then migrate again';
    END;
  ELSIF r.rolsuper OR r.rolcreaterole OR r.rolcreatedb OR r.rolreplication OR r.rolbypassrls THEN
    RAISE EXCEPTION 'role grafana_reader exists with privileged attributes; it must be a plain read-only role';
  END IF;
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO grafana_reader', current_database());
END $$;

GRANT USAGE ON SCHEMA public TO grafana_reader;
-- Partitions of workshop_events are read through the parent (privileges are checked on the parent only).
GRANT SELECT ON workshop_events, workshops, invitations, mechanics, workshop_metrics, workshop_alerts TO grafana_reader;

-- Down Migration
DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'grafana_reader') THEN
    REVOKE ALL ON workshop_events, workshops, invitations, mechanics, workshop_metrics, workshop_alerts FROM grafana_reader;
    REVOKE ALL ON SCHEMA public FROM grafana_reader;
    EXECUTE format('REVOKE ALL ON DATABASE %I FROM grafana_reader', current_database());
    BEGIN
      DROP ROLE grafana_reader;
    EXCEPTION WHEN dependent_objects_still_exist THEN
      RAISE NOTICE 'grafana_reader kept: it still has privileges in another database of the cluster';
    END;
  END IF;
END $$;
