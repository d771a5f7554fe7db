-- 0003 frozen payslips (SQLite): what the files of a run print that is not a
-- payslip column — the worker's code, name, bank name and bank account, and the
-- code and name of the street and community paid for — stored on each payslip
-- when the run is computed and refreshed when it is approved, so an approved or
-- paid run's files never follow later edits of the records.

ALTER TABLE "payslip" ADD COLUMN "worker_code" VARCHAR(64) NOT NULL DEFAULT '';
ALTER TABLE "payslip" ADD COLUMN "worker_name" VARCHAR(100) NOT NULL DEFAULT '';
ALTER TABLE "payslip" ADD COLUMN "bank_name" VARCHAR(100);
ALTER TABLE "payslip" ADD COLUMN "bank_account" VARCHAR(34);
ALTER TABLE "payslip" ADD COLUMN "street_code" VARCHAR(32) NOT NULL DEFAULT '';
ALTER TABLE "payslip" ADD COLUMN "street_name" VARCHAR(100) NOT NULL DEFAULT '';
ALTER TABLE "payslip" ADD COLUMN "community_code" VARCHAR(32) NOT NULL DEFAULT '';
ALTER TABLE "payslip" ADD COLUMN "community_name" VARCHAR(100) NOT NULL DEFAULT '';

-- Payslips stored before this migration take the records' values as they are
-- now (what their files printed until now), once; the lock on approved and
-- paid payslips is lifted for this one statement and put back as it was.
DROP TRIGGER IF EXISTS "payslip_locked_update";
UPDATE "payslip" SET
  ("worker_code", "worker_name", "bank_name", "bank_account") =
    (SELECT w."code", w."name", w."bank_name", w."bank_account" FROM "worker" w WHERE w."id" = "payslip"."worker_id"),
  ("street_code", "street_name") = (SELECT s."code", s."name" FROM "street" s WHERE s."id" = "payslip"."street_id"),
  ("community_code", "community_name") =
    (SELECT c."code", c."name" FROM "community" c WHERE c."id" = "payslip"."community_id");
CREATE TRIGGER "payslip_locked_update" BEFORE UPDATE ON "payslip"
WHEN (SELECT "status" FROM "payroll_run" WHERE "id" = OLD."run_id") <> 'DRAFT'
BEGIN SELECT RAISE(ABORT, 'LOCKED: payroll run is approved or paid; its payslips never change'); END;
