-- 0003 frozen payslips (PostgreSQL): what the files of a run print that is not
-- a payslip column — the worker's code, name, bank name and bank account, and
-- the code and name of the street and community paid for — stored on each
-- payslip when the run is computed and refreshed when it is approved, so an
-- approved or paid run's files never follow later edits of the records.

ALTER TABLE "payslip"
  ADD COLUMN "worker_code" VARCHAR(64) NOT NULL DEFAULT '',
  ADD COLUMN "worker_name" VARCHAR(100) NOT NULL DEFAULT '',
  ADD COLUMN "bank_name" VARCHAR(100),
  ADD COLUMN "bank_account" VARCHAR(34),
  ADD COLUMN "street_code" VARCHAR(32) NOT NULL DEFAULT '',
  ADD COLUMN "street_name" VARCHAR(100) NOT NULL DEFAULT '',
  ADD COLUMN "community_code" VARCHAR(32) NOT NULL DEFAULT '',
  ADD COLUMN "community_name" VARCHAR(100) NOT NULL DEFAULT '';

-- Payslips stored before this migration take the records' values as they are
-- now (what their files printed until now), once; the lock on approved and
-- paid payslips is lifted for this one statement, inside the migration's
-- transaction, and put back.
ALTER TABLE "payslip" DISABLE TRIGGER "payslip_locked_change";
UPDATE "payslip" p SET
  "worker_code" = w."code", "worker_name" = w."name", "bank_name" = w."bank_name", "bank_account" = w."bank_account",
  "street_code" = s."code", "street_name" = s."name", "community_code" = c."code", "community_name" = c."name"
FROM "worker" w, "street" s, "community" c
WHERE w."id" = p."worker_id" AND s."id" = p."street_id" AND c."id" = p."community_id";
ALTER TABLE "payslip" ENABLE TRIGGER "payslip_locked_change";
