-- 0002 ids are never reused (SQLite): every table is rebuilt with
-- INTEGER PRIMARY KEY AUTOINCREMENT, so the id of a deleted row (a draft payroll
-- run deleted, and its payslips with it) is never given to another row: an
-- export URL, an audit entry or an id a client kept goes on meaning the same
-- record.  Without AUTOINCREMENT SQLite hands out max(id) + 1, which reuses the
-- id of the newest row once it is deleted.  PostgreSQL's sequences never reuse
-- a number (0002_ids_never_reused.postgresql.sql).
--
-- SQLite's own procedure for a changed table (sqlite.org/lang_altertable.html,
-- "making other kinds of table schema changes"): drop the triggers, then for
-- each table create the new one, copy the rows, drop the old one, rename the
-- new one and recreate its indexes; recreate the triggers.  The migration
-- runner turns foreign keys off around the transaction and runs
-- PRAGMA foreign_key_check before it commits.  Every column, index, foreign
-- key and trigger of 0001 is kept, and every row with its id.

DROP TRIGGER "payslip_locked_insert";
DROP TRIGGER "payslip_locked_update";
DROP TRIGGER "payslip_locked_delete";
DROP TRIGGER "payroll_run_locked_update";
DROP TRIGGER "payroll_run_locked_delete";

CREATE TABLE "street_0002" ("id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, "version" INTEGER NOT NULL, "created_at" DATETIME NOT NULL, "updated_at" DATETIME NOT NULL, "code" VARCHAR(32) NOT NULL, "name" VARCHAR(100) NOT NULL);
INSERT INTO "street_0002" ("id", "version", "created_at", "updated_at", "code", "name") SELECT "id", "version", "created_at", "updated_at", "code", "name" FROM "street";
DROP TABLE "street";
ALTER TABLE "street_0002" RENAME TO "street";
CREATE UNIQUE INDEX "street_code" ON "street" ("code");

CREATE TABLE "community_0002" ("id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, "version" INTEGER NOT NULL, "created_at" DATETIME NOT NULL, "updated_at" DATETIME NOT NULL, "code" VARCHAR(32) NOT NULL, "name" VARCHAR(100) NOT NULL, "street_id" INTEGER NOT NULL, "households" INTEGER NOT NULL, "population" INTEGER NOT NULL, "ended_on" DATE, FOREIGN KEY ("street_id") REFERENCES "street" ("id") ON DELETE RESTRICT);
INSERT INTO "community_0002" ("id", "version", "created_at", "updated_at", "code", "name", "street_id", "households", "population", "ended_on") SELECT "id", "version", "created_at", "updated_at", "code", "name", "street_id", "households", "population", "ended_on" FROM "community";
DROP TABLE "community";
ALTER TABLE "community_0002" RENAME TO "community";
CREATE UNIQUE INDEX "community_code" ON "community" ("code");
CREATE INDEX "community_street_id" ON "community" ("street_id");

CREATE TABLE "worker_0002" ("id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, "version" INTEGER NOT NULL, "created_at" DATETIME NOT NULL, "updated_at" DATETIME NOT NULL, "code" VARCHAR(64) NOT NULL, "name" VARCHAR(100) NOT NULL, "id_number" VARCHAR(18), "birth_date" DATE, "sex" VARCHAR(1), "phone" VARCHAR(20), "bank_name" VARCHAR(100), "bank_account" VARCHAR(34), "community_id" INTEGER NOT NULL, "post" VARCHAR(32) NOT NULL, "service_start" DATE NOT NULL, "service_end" DATE, "prior_service_years" INTEGER NOT NULL, "incompetent_years_before" INTEGER NOT NULL, "education" VARCHAR(20) NOT NULL, "certificate" VARCHAR(30) NOT NULL, "certificate_date" DATE, "special_deduction_monthly" INTEGER NOT NULL, "previous_monthly_pay" INTEGER, "opening_through" VARCHAR(7), "opening_months" INTEGER NOT NULL, "opening_income" INTEGER NOT NULL, "opening_deductions" INTEGER NOT NULL, "opening_tax" INTEGER NOT NULL, "opening_reserve" INTEGER NOT NULL, FOREIGN KEY ("community_id") REFERENCES "community" ("id") ON DELETE RESTRICT);
INSERT INTO "worker_0002" ("id", "version", "created_at", "updated_at", "code", "name", "id_number", "birth_date", "sex", "phone", "bank_name", "bank_account", "community_id", "post", "service_start", "service_end", "prior_service_years", "incompetent_years_before", "education", "certificate", "certificate_date", "special_deduction_monthly", "previous_monthly_pay", "opening_through", "opening_months", "opening_income", "opening_deductions", "opening_tax", "opening_reserve") SELECT "id", "version", "created_at", "updated_at", "code", "name", "id_number", "birth_date", "sex", "phone", "bank_name", "bank_account", "community_id", "post", "service_start", "service_end", "prior_service_years", "incompetent_years_before", "education", "certificate", "certificate_date", "special_deduction_monthly", "previous_monthly_pay", "opening_through", "opening_months", "opening_income", "opening_deductions", "opening_tax", "opening_reserve" FROM "worker";
DROP TABLE "worker";
ALTER TABLE "worker_0002" RENAME TO "worker";
CREATE UNIQUE INDEX "worker_code" ON "worker" ("code");
CREATE UNIQUE INDEX "worker_id_number" ON "worker" ("id_number");
CREATE INDEX "worker_community_id" ON "worker" ("community_id");
CREATE INDEX "worker_service_end" ON "worker" ("service_end");
CREATE INDEX "worker_community_id_post" ON "worker" ("community_id", "post");

CREATE TABLE "position_0002" ("id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, "version" INTEGER NOT NULL, "created_at" DATETIME NOT NULL, "updated_at" DATETIME NOT NULL, "community_id" INTEGER NOT NULL, "worker_id" INTEGER, "post" VARCHAR(32) NOT NULL, "title" VARCHAR(50) NOT NULL, "start_date" DATE, "end_date" DATE, FOREIGN KEY ("community_id") REFERENCES "community" ("id") ON DELETE RESTRICT, FOREIGN KEY ("worker_id") REFERENCES "worker" ("id") ON DELETE RESTRICT);
INSERT INTO "position_0002" ("id", "version", "created_at", "updated_at", "community_id", "worker_id", "post", "title", "start_date", "end_date") SELECT "id", "version", "created_at", "updated_at", "community_id", "worker_id", "post", "title", "start_date", "end_date" FROM "position";
DROP TABLE "position";
ALTER TABLE "position_0002" RENAME TO "position";
CREATE INDEX "position_community_id" ON "position" ("community_id");
CREATE INDEX "position_worker_id" ON "position" ("worker_id");

CREATE TABLE "assessment_0002" ("id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, "worker_id" INTEGER NOT NULL, "year" INTEGER NOT NULL, "result" VARCHAR(20) NOT NULL, "recorded_at" DATETIME NOT NULL, FOREIGN KEY ("worker_id") REFERENCES "worker" ("id") ON DELETE CASCADE);
INSERT INTO "assessment_0002" ("id", "worker_id", "year", "result", "recorded_at") SELECT "id", "worker_id", "year", "result", "recorded_at" FROM "assessment";
DROP TABLE "assessment";
ALTER TABLE "assessment_0002" RENAME TO "assessment";
CREATE INDEX "assessment_worker_id" ON "assessment" ("worker_id");
CREATE UNIQUE INDEX "assessment_worker_id_year" ON "assessment" ("worker_id", "year");

CREATE TABLE "policy_0002" ("id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, "version" INTEGER NOT NULL, "created_at" DATETIME NOT NULL, "updated_at" DATETIME NOT NULL, "code" VARCHAR(64) NOT NULL, "title" VARCHAR(200) NOT NULL, "document" TEXT NOT NULL, "active" INTEGER NOT NULL);
INSERT INTO "policy_0002" ("id", "version", "created_at", "updated_at", "code", "title", "document", "active") SELECT "id", "version", "created_at", "updated_at", "code", "title", "document", "active" FROM "policy";
DROP TABLE "policy";
ALTER TABLE "policy_0002" RENAME TO "policy";
CREATE UNIQUE INDEX "policy_code" ON "policy" ("code");

CREATE TABLE "policy_version_0002" ("id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, "policy_id" INTEGER NOT NULL, "effective_from" DATE NOT NULL, "source" VARCHAR(200), "base_income_annual" INTEGER NOT NULL, "published_at" DATETIME NOT NULL, FOREIGN KEY ("policy_id") REFERENCES "policy" ("id") ON DELETE CASCADE);
INSERT INTO "policy_version_0002" ("id", "policy_id", "effective_from", "source", "base_income_annual", "published_at") SELECT "id", "policy_id", "effective_from", "source", "base_income_annual", "published_at" FROM "policy_version";
DROP TABLE "policy_version";
ALTER TABLE "policy_version_0002" RENAME TO "policy_version";
CREATE INDEX "policy_version_policy_id" ON "policy_version" ("policy_id");
CREATE UNIQUE INDEX "policy_version_policy_id_effective_from" ON "policy_version" ("policy_id", "effective_from");

CREATE TABLE "payroll_run_0002" ("id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, "period" VARCHAR(7) NOT NULL, "scope_type" VARCHAR(10) NOT NULL, "street_id" INTEGER, "community_id" INTEGER, "scope_key" VARCHAR(40) NOT NULL, "status" VARCHAR(10) NOT NULL, "policy_id" INTEGER NOT NULL, "policy_effective_from" DATE NOT NULL, "payslip_count" INTEGER NOT NULL, "gross" INTEGER NOT NULL, "net" INTEGER NOT NULL, "income_tax" INTEGER NOT NULL, "employee_contributions" INTEGER NOT NULL, "employer_cost" INTEGER NOT NULL, "created_by" VARCHAR(100) NOT NULL, "created_at" DATETIME NOT NULL, "approved_by" VARCHAR(100), "approved_at" DATETIME, "paid_by" VARCHAR(100), "paid_at" DATETIME, FOREIGN KEY ("street_id") REFERENCES "street" ("id") ON DELETE RESTRICT, FOREIGN KEY ("community_id") REFERENCES "community" ("id") ON DELETE RESTRICT, FOREIGN KEY ("policy_id") REFERENCES "policy" ("id") ON DELETE RESTRICT);
INSERT INTO "payroll_run_0002" ("id", "period", "scope_type", "street_id", "community_id", "scope_key", "status", "policy_id", "policy_effective_from", "payslip_count", "gross", "net", "income_tax", "employee_contributions", "employer_cost", "created_by", "created_at", "approved_by", "approved_at", "paid_by", "paid_at") SELECT "id", "period", "scope_type", "street_id", "community_id", "scope_key", "status", "policy_id", "policy_effective_from", "payslip_count", "gross", "net", "income_tax", "employee_contributions", "employer_cost", "created_by", "created_at", "approved_by", "approved_at", "paid_by", "paid_at" FROM "payroll_run";
DROP TABLE "payroll_run";
ALTER TABLE "payroll_run_0002" RENAME TO "payroll_run";
CREATE INDEX "payroll_run_street_id" ON "payroll_run" ("street_id");
CREATE INDEX "payroll_run_community_id" ON "payroll_run" ("community_id");
CREATE INDEX "payroll_run_policy_id" ON "payroll_run" ("policy_id");
CREATE UNIQUE INDEX "payroll_run_period_scope_key" ON "payroll_run" ("period", "scope_key");

CREATE TABLE "payslip_0002" ("id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, "run_id" INTEGER NOT NULL, "worker_id" INTEGER NOT NULL, "community_id" INTEGER NOT NULL, "street_id" INTEGER NOT NULL, "period" VARCHAR(7) NOT NULL, "post" VARCHAR(32) NOT NULL, "grade" INTEGER NOT NULL, "counted_years" INTEGER NOT NULL, "days" INTEGER NOT NULL, "basic_pay" INTEGER NOT NULL, "performance_pay" INTEGER NOT NULL, "education_allowance" INTEGER NOT NULL, "certificate_allowance" INTEGER NOT NULL, "tenure_allowance" INTEGER NOT NULL, "difference_allowance" INTEGER NOT NULL, "gross" INTEGER NOT NULL, "si_base" INTEGER NOT NULL, "employee_pension" INTEGER NOT NULL, "employee_medical" INTEGER NOT NULL, "employee_unemployment" INTEGER NOT NULL, "housing_fund_employee" INTEGER NOT NULL, "income_tax" INTEGER NOT NULL, "bonus_tax" INTEGER NOT NULL, "net" INTEGER NOT NULL, "employer_pension" INTEGER NOT NULL, "employer_medical" INTEGER NOT NULL, "employer_unemployment" INTEGER NOT NULL, "employer_work_injury" INTEGER NOT NULL, "housing_fund_employer" INTEGER NOT NULL, "accident_insurance" INTEGER NOT NULL, "employer_cost" INTEGER NOT NULL, "service_start" DATE NOT NULL, "service_end" DATE, "prior_service_years" INTEGER NOT NULL, "incompetent_years" INTEGER NOT NULL, "education" VARCHAR(20) NOT NULL, "certificate" VARCHAR(30) NOT NULL, "certificate_date" DATE, "assessment" VARCHAR(20), "special_deduction_monthly" INTEGER NOT NULL, "previous_monthly_pay" INTEGER, "prior_tax_months" INTEGER NOT NULL, "prior_income" INTEGER NOT NULL, "prior_deductions" INTEGER NOT NULL, "prior_tax" INTEGER NOT NULL, "prior_reserve" INTEGER NOT NULL, "ytd_tax_months" INTEGER NOT NULL, "ytd_income" INTEGER NOT NULL, "ytd_deductions" INTEGER NOT NULL, "ytd_tax" INTEGER NOT NULL, "ytd_reserve" INTEGER NOT NULL, FOREIGN KEY ("run_id") REFERENCES "payroll_run" ("id") ON DELETE CASCADE, FOREIGN KEY ("worker_id") REFERENCES "worker" ("id") ON DELETE RESTRICT, FOREIGN KEY ("community_id") REFERENCES "community" ("id") ON DELETE RESTRICT, FOREIGN KEY ("street_id") REFERENCES "street" ("id") ON DELETE RESTRICT);
INSERT INTO "payslip_0002" ("id", "run_id", "worker_id", "community_id", "street_id", "period", "post", "grade", "counted_years", "days", "basic_pay", "performance_pay", "education_allowance", "certificate_allowance", "tenure_allowance", "difference_allowance", "gross", "si_base", "employee_pension", "employee_medical", "employee_unemployment", "housing_fund_employee", "income_tax", "bonus_tax", "net", "employer_pension", "employer_medical", "employer_unemployment", "employer_work_injury", "housing_fund_employer", "accident_insurance", "employer_cost", "service_start", "service_end", "prior_service_years", "incompetent_years", "education", "certificate", "certificate_date", "assessment", "special_deduction_monthly", "previous_monthly_pay", "prior_tax_months", "prior_income", "prior_deductions", "prior_tax", "prior_reserve", "ytd_tax_months", "ytd_income", "ytd_deductions", "ytd_tax", "ytd_reserve") SELECT "id", "run_id", "worker_id", "community_id", "street_id", "period", "post", "grade", "counted_years", "days", "basic_pay", "performance_pay", "education_allowance", "certificate_allowance", "tenure_allowance", "difference_allowance", "gross", "si_base", "employee_pension", "employee_medical", "employee_unemployment", "housing_fund_employee", "income_tax", "bonus_tax", "net", "employer_pension", "employer_medical", "employer_unemployment", "employer_work_injury", "housing_fund_employer", "accident_insurance", "employer_cost", "service_start", "service_end", "prior_service_years", "incompetent_years", "education", "certificate", "certificate_date", "assessment", "special_deduction_monthly", "previous_monthly_pay", "prior_tax_months", "prior_income", "prior_deductions", "prior_tax", "prior_reserve", "ytd_tax_months", "ytd_income", "ytd_deductions", "ytd_tax", "ytd_reserve" FROM "payslip";
DROP TABLE "payslip";
ALTER TABLE "payslip_0002" RENAME TO "payslip";
CREATE INDEX "payslip_run_id" ON "payslip" ("run_id");
CREATE INDEX "payslip_worker_id" ON "payslip" ("worker_id");
CREATE INDEX "payslip_community_id" ON "payslip" ("community_id");
CREATE INDEX "payslip_street_id" ON "payslip" ("street_id");
CREATE UNIQUE INDEX "payslip_worker_id_period" ON "payslip" ("worker_id", "period");
CREATE INDEX "payslip_run_id_id" ON "payslip" ("run_id", "id");
CREATE INDEX "payslip_period_id" ON "payslip" ("period", "id");

CREATE TABLE "audit_entry_0002" ("id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, "at" DATETIME NOT NULL, "actor" VARCHAR(100) NOT NULL, "role" VARCHAR(10) NOT NULL, "operation" VARCHAR(60) NOT NULL, "record_type" VARCHAR(40) NOT NULL, "record_id" VARCHAR(40) NOT NULL, "before" TEXT, "after" TEXT, "request_id" VARCHAR(40));
INSERT INTO "audit_entry_0002" ("id", "at", "actor", "role", "operation", "record_type", "record_id", "before", "after", "request_id") SELECT "id", "at", "actor", "role", "operation", "record_type", "record_id", "before", "after", "request_id" FROM "audit_entry";
DROP TABLE "audit_entry";
ALTER TABLE "audit_entry_0002" RENAME TO "audit_entry";
CREATE INDEX "audit_entry_at" ON "audit_entry" ("at");
CREATE INDEX "audit_entry_actor" ON "audit_entry" ("actor");
CREATE INDEX "audit_entry_operation" ON "audit_entry" ("operation");
CREATE INDEX "audit_entry_record_type_record_id" ON "audit_entry" ("record_type", "record_id");

CREATE TABLE "api_token_0002" ("id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, "name" VARCHAR(100) NOT NULL, "role" VARCHAR(10) NOT NULL, "token_hash" VARCHAR(64) NOT NULL, "prefix" VARCHAR(12) NOT NULL, "streets" TEXT NOT NULL, "communities" TEXT NOT NULL, "created_at" DATETIME NOT NULL, "expires_at" DATETIME, "revoked_at" DATETIME, "last_used_at" DATETIME);
INSERT INTO "api_token_0002" ("id", "name", "role", "token_hash", "prefix", "streets", "communities", "created_at", "expires_at", "revoked_at", "last_used_at") SELECT "id", "name", "role", "token_hash", "prefix", "streets", "communities", "created_at", "expires_at", "revoked_at", "last_used_at" FROM "api_token";
DROP TABLE "api_token";
ALTER TABLE "api_token_0002" RENAME TO "api_token";
CREATE UNIQUE INDEX "api_token_token_hash" ON "api_token" ("token_hash");

-- The triggers of 0001, unchanged: approved and paid runs never change.
CREATE TRIGGER "payslip_locked_insert" BEFORE INSERT ON "payslip"
WHEN (SELECT "status" FROM "payroll_run" WHERE "id" = NEW."run_id") <> 'DRAFT'
BEGIN SELECT RAISE(ABORT, 'LOCKED: payroll run is approved or paid; its payslips never change'); END;
CREATE TRIGGER "payslip_locked_update" BEFORE UPDATE ON "payslip"
WHEN (SELECT "status" FROM "payroll_run" WHERE "id" = OLD."run_id") <> 'DRAFT'
BEGIN SELECT RAISE(ABORT, 'LOCKED: payroll run is approved or paid; its payslips never change'); END;
CREATE TRIGGER "payslip_locked_delete" BEFORE DELETE ON "payslip"
WHEN (SELECT "status" FROM "payroll_run" WHERE "id" = OLD."run_id") <> 'DRAFT'
BEGIN SELECT RAISE(ABORT, 'LOCKED: payroll run is approved or paid; its payslips never change'); END;
CREATE TRIGGER "payroll_run_locked_update" BEFORE UPDATE ON "payroll_run"
WHEN OLD."status" <> 'DRAFT' AND NOT (
  OLD."status" = 'APPROVED' AND NEW."status" = 'PAID'
  AND NEW."period" = OLD."period" AND NEW."scope_key" = OLD."scope_key" AND NEW."policy_id" = OLD."policy_id"
  AND NEW."payslip_count" = OLD."payslip_count" AND NEW."gross" = OLD."gross" AND NEW."net" = OLD."net"
  AND NEW."income_tax" = OLD."income_tax" AND NEW."employee_contributions" = OLD."employee_contributions"
  AND NEW."employer_cost" = OLD."employer_cost" AND NEW."approved_at" = OLD."approved_at"
)
BEGIN SELECT RAISE(ABORT, 'LOCKED: payroll run is approved or paid and never changes (only APPROVED → PAID)'); END;
CREATE TRIGGER "payroll_run_locked_delete" BEFORE DELETE ON "payroll_run"
WHEN OLD."status" <> 'DRAFT'
BEGIN SELECT RAISE(ABORT, 'LOCKED: payroll run is approved or paid and cannot be deleted'); END;
