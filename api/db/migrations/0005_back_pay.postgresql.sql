-- Salary model revision 2 and §13 (corrections and back pay).
-- Payslips: the two new lines, the back-pay detail behind back_pay (JSON
-- [[period, old, new], …] in fen) and the worker's two tax choices used.
ALTER TABLE "payslip" ADD COLUMN "fixed_allowances" BIGINT NOT NULL DEFAULT 0;
ALTER TABLE "payslip" ADD COLUMN "back_pay" BIGINT NOT NULL DEFAULT 0;
ALTER TABLE "payslip" ADD COLUMN "back_pay_detail" TEXT;
ALTER TABLE "payslip" ADD COLUMN "tax_basic_deduction" VARCHAR(20) NOT NULL DEFAULT 'MONTHLY';
ALTER TABLE "payslip" ADD COLUMN "bonus_tax_method" VARCHAR(20);
-- Runs keep the policy document they were computed with, so that their
-- explanations never follow later versions.
ALTER TABLE "payroll_run" ADD COLUMN "policy_document" TEXT;
-- A worker's tax choices hold for one tax year (§1).
CREATE TABLE "worker_tax_choice" ("id" SERIAL NOT NULL PRIMARY KEY, "worker_id" INTEGER NOT NULL REFERENCES "worker" ("id") ON DELETE CASCADE, "year" INTEGER NOT NULL, "tax_basic_deduction" VARCHAR(20) NOT NULL, "bonus_tax_method" VARCHAR(20));
CREATE UNIQUE INDEX "worker_tax_choice_worker_id_year" ON "worker_tax_choice" ("worker_id", "year");
-- When a worker's pay inputs last changed (record, assessments, tax choices):
-- a payroll run recomputes the months already paid only for workers changed
-- since those months were computed (and for everyone when the policy changed).
ALTER TABLE "worker" ADD COLUMN "pay_changed_at" TIMESTAMP;
