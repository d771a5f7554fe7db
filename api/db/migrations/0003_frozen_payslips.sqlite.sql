-- 0003 frozen payslips (SQLite): what the files of a run print that is not a
-- payslip column, kept as the records said when the run was computed and
-- refreshed when it is approved, so an approved or paid run's files never
-- follow later edits of the records:
-- * on each payslip, the worker's code, name, bank name and bank account;
-- * per run, the code and name of each street and community it pays
--   ("payroll_run_place", one row per community of the run).

ALTER TABLE "payslip" ADD COLUMN "worker_code" VARCHAR(64) NOT NULL DEFAULT '';
ALTER TABLE "payslip" ADD COLUMN "worker_name" VARCHAR(100) NOT NULL DEFAULT '';
ALTER TABLE "payslip" ADD COLUMN "bank_name" VARCHAR(100);
ALTER TABLE "payslip" ADD COLUMN "bank_account" VARCHAR(34);
CREATE TABLE "payroll_run_place" ("id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, "run_id" INTEGER NOT NULL, "street_id" INTEGER NOT NULL, "community_id" INTEGER NOT NULL, "street_code" VARCHAR(32) NOT NULL, "street_name" VARCHAR(100) NOT NULL, "community_code" VARCHAR(32) NOT NULL, "community_name" VARCHAR(100) NOT NULL, FOREIGN KEY ("run_id") REFERENCES "payroll_run" ("id") ON DELETE CASCADE, FOREIGN KEY ("street_id") REFERENCES "street" ("id") ON DELETE RESTRICT, FOREIGN KEY ("community_id") REFERENCES "community" ("id") ON DELETE RESTRICT);
CREATE INDEX "payroll_run_place_run_id" ON "payroll_run_place" ("run_id");
CREATE INDEX "payroll_run_place_street_id" ON "payroll_run_place" ("street_id");
CREATE INDEX "payroll_run_place_community_id" ON "payroll_run_place" ("community_id");
CREATE UNIQUE INDEX "payroll_run_place_run_id_street_id_community_id" ON "payroll_run_place" ("run_id", "street_id", "community_id");

-- Runs stored before this migration take the records' values as they are now
-- (what their files printed until now), once; the lock on approved and paid
-- payslips is lifted for this one statement and put back as it was.
DROP TRIGGER IF EXISTS "payslip_locked_update";
UPDATE "payslip" SET ("worker_code", "worker_name", "bank_name", "bank_account") =
  (SELECT w."code", w."name", w."bank_name", w."bank_account" FROM "worker" w WHERE w."id" = "payslip"."worker_id");
CREATE TRIGGER "payslip_locked_update" BEFORE UPDATE ON "payslip"
WHEN (SELECT "status" FROM "payroll_run" WHERE "id" = OLD."run_id") <> 'DRAFT'
BEGIN SELECT RAISE(ABORT, 'LOCKED: payroll run is approved or paid; its payslips never change'); END;
INSERT INTO "payroll_run_place" ("run_id", "street_id", "community_id", "street_code", "street_name", "community_code", "community_name")
  SELECT p."run_id", p."street_id", p."community_id", s."code", s."name", c."code", c."name"
  FROM (SELECT DISTINCT "run_id", "street_id", "community_id" FROM "payslip") p
  JOIN "street" s ON s."id" = p."street_id" JOIN "community" c ON c."id" = p."community_id";

-- An approved or paid run's places never change, like its payslips.
CREATE TRIGGER "payroll_run_place_locked_insert" BEFORE INSERT ON "payroll_run_place"
WHEN (SELECT "status" FROM "payroll_run" WHERE "id" = NEW."run_id") <> 'DRAFT'
BEGIN SELECT RAISE(ABORT, 'LOCKED: payroll run is approved or paid; its places never change'); END;
CREATE TRIGGER "payroll_run_place_locked_update" BEFORE UPDATE ON "payroll_run_place"
WHEN (SELECT "status" FROM "payroll_run" WHERE "id" = OLD."run_id") <> 'DRAFT'
BEGIN SELECT RAISE(ABORT, 'LOCKED: payroll run is approved or paid; its places never change'); END;
CREATE TRIGGER "payroll_run_place_locked_delete" BEFORE DELETE ON "payroll_run_place"
WHEN (SELECT "status" FROM "payroll_run" WHERE "id" = OLD."run_id") <> 'DRAFT'
BEGIN SELECT RAISE(ABORT, 'LOCKED: payroll run is approved or paid; its places never change'); END;
