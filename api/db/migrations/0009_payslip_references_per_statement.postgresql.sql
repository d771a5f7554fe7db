-- 0009 a payslip's references checked once per statement (issue 14: a
-- province's month, 1,000,000 payslips).
--
-- A foreign key checks every inserted row with a query of its own and locks
-- the row it points at.  A run inserts thousands of payslips by one COPY, and
-- the four checks per payslip (run, worker, community, street) were 40 % of
-- the database's work for that COPY (bench/persist.py, docs/performance.md).
-- The checks move to the statement trigger that already refuses payslips of
-- approved runs: one scan of the rows inserted or updated, then one probe by
-- primary key per table.  The other direction, which the foreign keys guarded
-- too, is kept by triggers on the referenced tables:
--   * inserting a payslip, or updating one, so that it names a run, worker,
--     community or street that does not exist is refused (SQLSTATE 23503,
--     foreign_key_violation, as before), and so is moving it into an
--     approved or paid run (LOCKED);
--   * deleting, renumbering or truncating a worker, community, street or run
--     that payslips refer to is refused (ON DELETE RESTRICT, as before),
--     except that deleting a run deletes its payslips (ON DELETE CASCADE, as
--     before); truncate "payslip" in the same statement.
-- Concurrency, as a foreign key's row lock gave it, at READ COMMITTED (the
-- service's isolation): the statement trigger locks the runs, streets and
-- communities it names (a few rows) FOR KEY SHARE, so their deletion waits
-- and then sees the payslips.  Workers (thousands per run) are not locked row
-- by row: a worker's deletion, which the service never does, first takes a
-- SHARE lock on "payslip", so it waits for every transaction writing payslips
-- to finish and then sees their rows, while a transaction inserting after the
-- deletion committed finds the worker gone.  (While such a deletion waits,
-- new payslip writes queue behind it.)  A foreign key also checked against
-- the latest data at REPEATABLE READ and SERIALIZABLE, which a trigger
-- cannot: there the insert side locks its workers too, and deleting a
-- worker, community, street or run is refused; do it at READ COMMITTED.
-- Never disable "payslip_locked_insert" on PostgreSQL for speed (SQLite's
-- runs lift their per-row trigger, which checks no references): it is now
-- what keeps a payslip's references.
-- SQLite keeps its foreign keys (checked in the process, cheaply): the SQLite
-- step of this number changes nothing.
ALTER TABLE "payslip"
  DROP CONSTRAINT "payslip_run_id_fkey",
  DROP CONSTRAINT "payslip_worker_id_fkey",
  DROP CONSTRAINT "payslip_community_id_fkey",
  DROP CONSTRAINT "payslip_street_id_fkey";

CREATE OR REPLACE FUNCTION "payslip_locked_insert"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  runs bigint[];
  streets bigint[];
  communities bigint[];
  workers bigint[];
  target text;
  ids bigint[];
  found bigint;
  missing bigint;
BEGIN
  -- One scan of the inserted rows (a run's are thousands); each table is then
  -- probed through its primary key for the distinct ids only.
  SELECT array_agg(DISTINCT "run_id"), array_agg(DISTINCT "street_id"),
         array_agg(DISTINCT "community_id"), array_agg(DISTINCT "worker_id")
    INTO runs, streets, communities, workers FROM "inserted";
  IF EXISTS (SELECT 1 FROM "payroll_run" r WHERE r."id" = ANY (runs) AND r."status" <> 'DRAFT') THEN
    RAISE EXCEPTION 'LOCKED: payroll run is approved or paid; its payslips never change';
  END IF;
  FOREACH target IN ARRAY ARRAY['payroll_run', 'street', 'community', 'worker'] LOOP
    ids := CASE target WHEN 'payroll_run' THEN runs WHEN 'street' THEN streets
                       WHEN 'community' THEN communities ELSE workers END;
    IF target = 'worker' AND current_setting('transaction_isolation') = 'read committed' THEN
      -- Thousands of workers: not locked row by row (see above).
      EXECUTE 'SELECT count(*) FROM "worker" WHERE "id" = ANY ($1)' INTO found USING ids;
    ELSE
      -- A few rows, locked against deletion until this transaction ends.
      EXECUTE format('SELECT count(*) FROM (SELECT 1 FROM %I WHERE "id" = ANY ($1) FOR KEY SHARE) AS kept', target)
        INTO found USING ids;
    END IF;
    IF found < cardinality(ids) THEN
      EXECUTE format('SELECT wanted FROM unnest($1) AS wanted WHERE NOT EXISTS (SELECT 1 FROM %I t WHERE t."id" = wanted) LIMIT 1',
                     target) INTO missing USING ids;
      RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
        MESSAGE = format('%s on table "payslip" refers to %I id %s, which is not present', lower(TG_OP), target, missing);
    END IF;
  END LOOP;
  RETURN NULL;
END $$;
-- The same checks for updated payslips (PostgreSQL allows no column list
-- with a transition table; approval updates only the rows it refreshes).
CREATE TRIGGER "payslip_locked_update" AFTER UPDATE ON "payslip"
  REFERENCING NEW TABLE AS "inserted" FOR EACH STATEMENT EXECUTE FUNCTION "payslip_locked_insert"();

-- Deleting or renumbering a worker, community or street that payslips refer to.
CREATE FUNCTION "payslip_reference_kept"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  referring boolean;
BEGIN
  IF TG_OP = 'UPDATE' AND NEW."id" = OLD."id" THEN
    RETURN NEW;
  END IF;
  IF current_setting('transaction_isolation') <> 'read committed' THEN
    RAISE EXCEPTION USING ERRCODE = 'serialization_failure',
      MESSAGE = format('%s on table %I: payslips may refer to it; do it at READ COMMITTED', lower(TG_OP), TG_TABLE_NAME);
  END IF;
  IF TG_TABLE_NAME = 'worker' THEN
    -- Communities and streets are locked by the inserting statement; workers are not.
    LOCK TABLE "payslip" IN SHARE MODE;
  END IF;
  EXECUTE format('SELECT EXISTS (SELECT 1 FROM "payslip" WHERE %I = $1)', TG_TABLE_NAME || '_id')
    INTO referring USING OLD."id";
  IF referring THEN
    RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
      MESSAGE = format('update or delete on table %I id %s: payslips refer to it', TG_TABLE_NAME, OLD."id");
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER "worker_payslip_reference" BEFORE DELETE OR UPDATE OF "id" ON "worker"
  FOR EACH ROW EXECUTE FUNCTION "payslip_reference_kept"();
CREATE TRIGGER "community_payslip_reference" BEFORE DELETE OR UPDATE OF "id" ON "community"
  FOR EACH ROW EXECUTE FUNCTION "payslip_reference_kept"();
CREATE TRIGGER "street_payslip_reference" BEFORE DELETE OR UPDATE OF "id" ON "street"
  FOR EACH ROW EXECUTE FUNCTION "payslip_reference_kept"();

-- A run's payslips go with it; its id never changes while payslips refer to it.
CREATE FUNCTION "payroll_run_payslips_follow"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('transaction_isolation') <> 'read committed' THEN
    RAISE EXCEPTION USING ERRCODE = 'serialization_failure',
      MESSAGE = format('%s on table "payroll_run": payslips may refer to it; do it at READ COMMITTED', lower(TG_OP));
  END IF;
  IF TG_OP = 'DELETE' THEN
    DELETE FROM "payslip" WHERE "run_id" = OLD."id";
    RETURN NULL;
  END IF;
  IF NEW."id" <> OLD."id" AND EXISTS (SELECT 1 FROM "payslip" WHERE "run_id" = OLD."id") THEN
    RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
      MESSAGE = format('update on table "payroll_run" id %s: payslips refer to it', OLD."id");
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER "payroll_run_payslips_follow" AFTER DELETE OR UPDATE OF "id" ON "payroll_run"
  FOR EACH ROW EXECUTE FUNCTION "payroll_run_payslips_follow"();

-- TRUNCATE fires no row trigger: truncating what payslips refer to, without
-- "payslip" in the same statement, is refused once the tables are emptied.
CREATE FUNCTION "payslip_references_truncated"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM "payslip") THEN
    RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
      MESSAGE = format('truncate of table %I: payslips refer to it (truncate "payslip" in the same statement)', TG_TABLE_NAME);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER "payroll_run_payslips_truncated" AFTER TRUNCATE ON "payroll_run"
  FOR EACH STATEMENT EXECUTE FUNCTION "payslip_references_truncated"();
CREATE TRIGGER "worker_payslips_truncated" AFTER TRUNCATE ON "worker"
  FOR EACH STATEMENT EXECUTE FUNCTION "payslip_references_truncated"();
CREATE TRIGGER "community_payslips_truncated" AFTER TRUNCATE ON "community"
  FOR EACH STATEMENT EXECUTE FUNCTION "payslip_references_truncated"();
CREATE TRIGGER "street_payslips_truncated" AFTER TRUNCATE ON "street"
  FOR EACH STATEMENT EXECUTE FUNCTION "payslip_references_truncated"();
