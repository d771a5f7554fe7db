-- 0001 initial schema (SQLite): the records, payroll runs, audit log and tokens.
-- The tables of the models (generated once from peewee), then the triggers added by hand.

CREATE TABLE "street" ("id" INTEGER NOT NULL PRIMARY KEY, "version" INTEGER NOT NULL, "created_at" DATETIME NOT NULL, "updated_at" DATETIME NOT NULL, "code" VARCHAR(32) NOT NULL, "name" VARCHAR(100) NOT NULL);
CREATE UNIQUE INDEX "street_code" ON "street" ("code");
CREATE TABLE "community" ("id" INTEGER NOT NULL PRIMARY KEY, "version" INTEGER NOT NULL, "created_at" DATETIME NOT NULL, "updated_at" DATETIME NOT NULL, "code" VARCHAR(32) NOT NULL, "name" VARCHAR(100) NOT NULL, "street_id" INTEGER NOT NULL, "households" INTEGER NOT NULL, "population" INTEGER NOT NULL, "ended_on" DATE, FOREIGN KEY ("street_id") REFERENCES "street" ("id") ON DELETE RESTRICT);
CREATE UNIQUE INDEX "community_code" ON "community" ("code");
CREATE INDEX "community_street_id" ON "community" ("street_id");
CREATE TABLE "worker" ("id" INTEGER NOT NULL PRIMARY KEY, "version" INTEGER NOT NULL, "created_at" DATETIME NOT NULL, "updated_at" DATETIME NOT NULL, "code" VARCHAR(64) NOT NULL, "name" VARCHAR(100) NOT NULL, "id_number" VARCHAR(18), "birth_date" DATE, "sex" VARCHAR(1), "phone" VARCHAR(20), "bank_name" VARCHAR(100), "bank_account" VARCHAR(34), "community_id" INTEGER NOT NULL, "post" VARCHAR(32) NOT NULL, "service_start" DATE NOT NULL, "service_end" DATE, "prior_service_years" INTEGER NOT NULL, "incompetent_years_before" INTEGER NOT NULL, "education" VARCHAR(20) NOT NULL, "certificate" VARCHAR(30) NOT NULL, "certificate_date" DATE, "special_deduction_monthly" INTEGER NOT NULL, "previous_monthly_pay" INTEGER, "opening_through" VARCHAR(7), "opening_months" INTEGER NOT NULL, "opening_income" INTEGER NOT NULL, "opening_deductions" INTEGER NOT NULL, "opening_tax" INTEGER NOT NULL, "opening_reserve" INTEGER NOT NULL, FOREIGN KEY ("community_id") REFERENCES "community" ("id") ON DELETE RESTRICT);
CREATE UNIQUE INDEX "worker_code" ON "worker" ("code");
CREATE UNIQUE INDEX "worker_id_number" ON "worker" ("id_number");
CREATE INDEX "worker_community_id" ON "worker" ("community_id");
CREATE INDEX "worker_service_end" ON "worker" ("service_end");
CREATE INDEX "worker_community_id_post" ON "worker" ("community_id", "post");
CREATE TABLE "position" ("id" INTEGER NOT NULL PRIMARY KEY, "version" INTEGER NOT NULL, "created_at" DATETIME NOT NULL, "updated_at" DATETIME NOT NULL, "community_id" INTEGER NOT NULL, "worker_id" INTEGER, "post" VARCHAR(32) NOT NULL, "title" VARCHAR(50) NOT NULL, "start_date" DATE, "end_date" DATE, FOREIGN KEY ("community_id") REFERENCES "community" ("id") ON DELETE RESTRICT, FOREIGN KEY ("worker_id") REFERENCES "worker" ("id") ON DELETE RESTRICT);
CREATE INDEX "position_community_id" ON "position" ("community_id");
CREATE INDEX "position_worker_id" ON "position" ("worker_id");
CREATE TABLE "assessment" ("id" INTEGER NOT NULL PRIMARY KEY, "worker_id" INTEGER NOT NULL, "year" INTEGER NOT NULL, "result" VARCHAR(20) NOT NULL, "recorded_at" DATETIME NOT NULL, FOREIGN KEY ("worker_id") REFERENCES "worker" ("id") ON DELETE CASCADE);
CREATE INDEX "assessment_worker_id" ON "assessment" ("worker_id");
CREATE UNIQUE INDEX "assessment_worker_id_year" ON "assessment" ("worker_id", "year");
CREATE TABLE "policy" ("id" INTEGER NOT NULL PRIMARY KEY, "version" INTEGER NOT NULL, "created_at" DATETIME NOT NULL, "updated_at" DATETIME NOT NULL, "code" VARCHAR(64) NOT NULL, "title" VARCHAR(200) NOT NULL, "document" TEXT NOT NULL, "active" INTEGER NOT NULL);
CREATE UNIQUE INDEX "policy_code" ON "policy" ("code");
CREATE TABLE "policy_version" ("id" INTEGER NOT NULL PRIMARY KEY, "policy_id" INTEGER NOT NULL, "effective_from" DATE NOT NULL, "source" VARCHAR(200), "base_income_annual" INTEGER NOT NULL, "published_at" DATETIME NOT NULL, FOREIGN KEY ("policy_id") REFERENCES "policy" ("id") ON DELETE CASCADE);
CREATE INDEX "policy_version_policy_id" ON "policy_version" ("policy_id");
CREATE UNIQUE INDEX "policy_version_policy_id_effective_from" ON "policy_version" ("policy_id", "effective_from");
CREATE TABLE "payroll_run" ("id" INTEGER NOT NULL PRIMARY KEY, "period" VARCHAR(7) NOT NULL, "scope_type" VARCHAR(10) NOT NULL, "street_id" INTEGER, "community_id" INTEGER, "scope_key" VARCHAR(40) NOT NULL, "status" VARCHAR(10) NOT NULL, "policy_id" INTEGER NOT NULL, "policy_effective_from" DATE NOT NULL, "payslip_count" INTEGER NOT NULL, "gross" INTEGER NOT NULL, "net" INTEGER NOT NULL, "income_tax" INTEGER NOT NULL, "employee_contributions" INTEGER NOT NULL, "employer_cost" INTEGER NOT NULL, "created_by" VARCHAR(100) NOT NULL, "created_at" DATETIME NOT NULL, "approved_by" VARCHAR(100), "approved_at" DATETIME, "paid_by" VARCHAR(100), "paid_at" DATETIME, FOREIGN KEY ("street_id") REFERENCES "street" ("id") ON DELETE RESTRICT, FOREIGN KEY ("community_id") REFERENCES "community" ("id") ON DELETE RESTRICT, FOREIGN KEY ("policy_id") REFERENCES "policy" ("id") ON DELETE RESTRICT);
CREATE INDEX "payroll_run_street_id" ON "payroll_run" ("street_id");
CREATE INDEX "payroll_run_community_id" ON "payroll_run" ("community_id");
CREATE INDEX "payroll_run_policy_id" ON "payroll_run" ("policy_id");
CREATE UNIQUE INDEX "payroll_run_period_scope_key" ON "payroll_run" ("period", "scope_key");
CREATE TABLE "payslip" ("id" INTEGER NOT NULL PRIMARY KEY, "run_id" INTEGER NOT NULL, "worker_id" INTEGER NOT NULL, "community_id" INTEGER NOT NULL, "street_id" INTEGER NOT NULL, "period" VARCHAR(7) NOT NULL, "post" VARCHAR(32) NOT NULL, "grade" INTEGER NOT NULL, "counted_years" INTEGER NOT NULL, "days" INTEGER NOT NULL, "basic_pay" INTEGER NOT NULL, "performance_pay" INTEGER NOT NULL, "education_allowance" INTEGER NOT NULL, "certificate_allowance" INTEGER NOT NULL, "tenure_allowance" INTEGER NOT NULL, "difference_allowance" INTEGER NOT NULL, "gross" INTEGER NOT NULL, "si_base" INTEGER NOT NULL, "employee_pension" INTEGER NOT NULL, "employee_medical" INTEGER NOT NULL, "employee_unemployment" INTEGER NOT NULL, "housing_fund_employee" INTEGER NOT NULL, "income_tax" INTEGER NOT NULL, "bonus_tax" INTEGER NOT NULL, "net" INTEGER NOT NULL, "employer_pension" INTEGER NOT NULL, "employer_medical" INTEGER NOT NULL, "employer_unemployment" INTEGER NOT NULL, "employer_work_injury" INTEGER NOT NULL, "housing_fund_employer" INTEGER NOT NULL, "accident_insurance" INTEGER NOT NULL, "employer_cost" INTEGER NOT NULL, "service_start" DATE NOT NULL, "service_end" DATE, "prior_service_years" INTEGER NOT NULL, "incompetent_years" INTEGER NOT NULL, "education" VARCHAR(20) NOT NULL, "certificate" VARCHAR(30) NOT NULL, "certificate_date" DATE, "assessment" VARCHAR(20), "special_deduction_monthly" INTEGER NOT NULL, "previous_monthly_pay" INTEGER, "prior_tax_months" INTEGER NOT NULL, "prior_income" INTEGER NOT NULL, "prior_deductions" INTEGER NOT NULL, "prior_tax" INTEGER NOT NULL, "prior_reserve" INTEGER NOT NULL, "ytd_tax_months" INTEGER NOT NULL, "ytd_income" INTEGER NOT NULL, "ytd_deductions" INTEGER NOT NULL, "ytd_tax" INTEGER NOT NULL, "ytd_reserve" INTEGER NOT NULL, FOREIGN KEY ("run_id") REFERENCES "payroll_run" ("id") ON DELETE CASCADE, FOREIGN KEY ("worker_id") REFERENCES "worker" ("id") ON DELETE RESTRICT, FOREIGN KEY ("community_id") REFERENCES "community" ("id") ON DELETE RESTRICT, FOREIGN KEY ("street_id") REFERENCES "street" ("id") ON DELETE RESTRICT);
CREATE INDEX "payslip_run_id" ON "payslip" ("run_id");
CREATE INDEX "payslip_worker_id" ON "payslip" ("worker_id");
CREATE INDEX "payslip_community_id" ON "payslip" ("community_id");
CREATE INDEX "payslip_street_id" ON "payslip" ("street_id");
CREATE UNIQUE INDEX "payslip_worker_id_period" ON "payslip" ("worker_id", "period");
CREATE INDEX "payslip_run_id_id" ON "payslip" ("run_id", "id");
CREATE INDEX "payslip_period_id" ON "payslip" ("period", "id");
CREATE TABLE "audit_entry" ("id" INTEGER NOT NULL PRIMARY KEY, "at" DATETIME NOT NULL, "actor" VARCHAR(100) NOT NULL, "role" VARCHAR(10) NOT NULL, "operation" VARCHAR(60) NOT NULL, "record_type" VARCHAR(40) NOT NULL, "record_id" VARCHAR(40) NOT NULL, "before" TEXT, "after" TEXT, "request_id" VARCHAR(40));
CREATE INDEX "audit_entry_at" ON "audit_entry" ("at");
CREATE INDEX "audit_entry_actor" ON "audit_entry" ("actor");
CREATE INDEX "audit_entry_operation" ON "audit_entry" ("operation");
CREATE INDEX "audit_entry_record_type_record_id" ON "audit_entry" ("record_type", "record_id");
CREATE TABLE "api_token" ("id" INTEGER NOT NULL PRIMARY KEY, "name" VARCHAR(100) NOT NULL, "role" VARCHAR(10) NOT NULL, "token_hash" VARCHAR(64) NOT NULL, "prefix" VARCHAR(12) NOT NULL, "streets" TEXT NOT NULL, "communities" TEXT NOT NULL, "created_at" DATETIME NOT NULL, "expires_at" DATETIME, "revoked_at" DATETIME, "last_used_at" DATETIME);
CREATE UNIQUE INDEX "api_token_token_hash" ON "api_token" ("token_hash");

-- Approved and paid runs never change (salary-model: "approved payroll never
-- changes"); the database refuses it whatever the caller.
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
