-- Up Migration

-- workshop_app: the role the service runs as. The role that runs the migrations (DATABASE_MIGRATION_URL; the
-- embedded server's superuser) owns the schema; workshop_app only reads and writes data: no CREATE, ALTER, DROP or
-- TRUNCATE, and read-only on pgmigrations (readiness and the start-up migration check read it).
--
-- Created NOLOGIN and without a password, like grafana_reader (1730000000003): whoever deploys gives it a login
-- (the compose job db-logins from secrets/app-db-password; the embedded PostgreSQL a generated password kept in
-- DATA_DIR). An existing role is kept as it is and only granted privileges here, unless it is privileged.
DO $$
DECLARE
  r pg_roles%ROWTYPE;
BEGIN
  SELECT * INTO r FROM pg_roles WHERE rolname = 'workshop_app';
  IF NOT FOUND THEN
    BEGIN
      CREATE ROLE workshop_app NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
    EXCEPTION
      WHEN duplicate_object OR unique_violation THEN
        NULL; -- created concurrently (another database of the cluster migrating at the same time)
      WHEN insufficient_privilege THEN
        RAISE EXCEPTION 'role workshop_app does not exist and % may not create roles', current_user
          USING HINT = 'create it as a role with CREATEROLE: CREATE ROLE workshop_app NOLOGIN; then migrate again';
    END;
  ELSIF r.rolsuper OR r.rolcreaterole OR r.rolcreatedb OR r.rolreplication OR r.rolbypassrls THEN
    RAISE EXCEPTION 'role workshop_app exists with privileged attributes; it must be a plain data role';
  END IF;
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO workshop_app', current_database());
  -- Servers before PostgreSQL 15 let every role create objects in public. Take that away where this role may
  -- (it owns the schema, or is a superuser), keeping CREATE for itself; PostgreSQL 15+ starts that way.
  IF EXISTS (SELECT FROM pg_namespace n WHERE n.nspname = 'public' AND pg_has_role(n.nspowner, 'USAGE'))
     OR (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    EXECUTE format('GRANT CREATE ON SCHEMA public TO %I', current_user);
    REVOKE CREATE ON SCHEMA public FROM PUBLIC;
  END IF;
END $$;

GRANT USAGE ON SCHEMA public TO workshop_app;
GRANT SELECT, INSERT, UPDATE, DELETE
  ON workshop_events, workshop_event_ids, workshops, invitations, mechanics, workshop_alerts, workshop_metrics,
     aggregator_runs, aggregator_jobs, kpi_dirty_days
  TO workshop_app;
GRANT SELECT ON pgmigrations TO workshop_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO workshop_app;
-- Tables and sequences the migrator creates later (new migrations, and the monthly partitions, which
-- workshop_events_ensure_partition creates as the migrator) get the same privileges.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO workshop_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO workshop_app;

-- Monthly partitions are created at run time (for late and future events). The app may not CREATE TABLE, so the
-- function runs with its owner's rights (the migrator): SECURITY DEFINER with a fixed search_path (no object of
-- another schema, and pg_temp last, can stand in for workshop_events), callable by workshop_app only.
ALTER FUNCTION workshop_events_ensure_partition(timestamptz) SECURITY DEFINER SET search_path = public, pg_temp;
REVOKE EXECUTE ON FUNCTION workshop_events_ensure_partition(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION workshop_events_ensure_partition(timestamptz) TO workshop_app;

-- Down Migration
ALTER FUNCTION workshop_events_ensure_partition(timestamptz) SECURITY INVOKER RESET search_path;
GRANT EXECUTE ON FUNCTION workshop_events_ensure_partition(timestamptz) TO PUBLIC;
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM workshop_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM workshop_app;
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'workshop_app') THEN
    RETURN;
  END IF;
  REVOKE ALL ON ALL TABLES IN SCHEMA public FROM workshop_app;
  REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM workshop_app;
  REVOKE ALL ON FUNCTION workshop_events_ensure_partition(timestamptz) FROM workshop_app;
  REVOKE ALL ON SCHEMA public FROM workshop_app;
  EXECUTE format('REVOKE ALL ON DATABASE %I FROM workshop_app', current_database());
  BEGIN
    DROP ROLE workshop_app;
  EXCEPTION WHEN dependent_objects_still_exist THEN
    RAISE NOTICE 'workshop_app kept: it still has privileges in another database of the cluster';
  END;
END $$;
