-- 0001 initial schema (PostgreSQL): the records, payroll runs, audit log and tokens.
-- The tables of the models (generated once from peewee), then the triggers added by hand.

CREATE TABLE "street" ("id" SERIAL NOT NULL PRIMARY KEY, "version" INTEGER NOT NULL, "created_at" TIMESTAMP NOT NULL, "updated_at" TIMESTAMP NOT NULL, "code" VARCHAR(32) NOT NULL, "name" VARCHAR(100) NOT NULL);
CREATE UNIQUE INDEX "street_code" ON "street" ("code");
CREATE TABLE "community" ("id" SERIAL NOT NULL PRIMARY KEY, "version" INTEGER NOT NULL, "created_at" TIMESTAMP NOT NULL, "updated_at" TIMESTAMP NOT NULL, "code" VARCHAR(32) NOT NULL, "name" VARCHAR(100) NOT NULL, "street_id" INTEGER NOT NULL, "households" INTEGER NOT NULL, "population" INTEGER NOT NULL, "ended_on" DATE, FOREIGN KEY ("street_id") REFERENCES "street" ("id") ON DELETE RESTRICT);
CREATE UNIQUE INDEX "community_code" ON "community" ("code");
CREATE INDEX "community_street_id" ON "community" ("street_id");
CREATE TABLE "worker" ("id" SERIAL NOT NULL PRIMARY KEY, "version" INTEGER NOT NULL, "created_at" TIMESTAMP NOT NULL, "updated_at" TIMESTAMP NOT NULL, "code" VARCHAR(64) NOT NULL, "name" VARCHAR(100) NOT NULL, "id_number" VARCHAR(18), "birth_date" DATE, "sex" VARCHAR(1), "phone" VARCHAR(20), "bank_name" VARCHAR(100), "bank_account" VARCHAR(34), "community_id" INTEGER NOT NULL, "post" VARCHAR(32) NOT NULL, "service_start" DATE NOT NULL, "service_end" DATE, "prior_service_years" INTEGER NOT NULL, "incompetent_years_before" INTEGER NOT NULL, "education" VARCHAR(20) NOT NULL, "certificate" VARCHAR(30) NOT NULL, "certificate_date" DATE, "special_deduction_monthly" BIGINT NOT NULL, "previous_monthly_pay" BIGINT, "opening_through" VARCHAR(7), "opening_months" INTEGER NOT NULL, "opening_income" BIGINT NOT NULL, "opening_deductions" BIGINT NOT NULL, "opening_tax" BIGINT NOT NULL, "opening_reserve" BIGINT NOT NULL, FOREIGN KEY ("community_id") REFERENCES "community" ("id") ON DELETE RESTRICT);
CREATE UNIQUE INDEX "worker_code" ON "worker" ("code");
CREATE UNIQUE INDEX "worker_id_number" ON "worker" ("id_number");
CREATE INDEX "worker_community_id" ON "worker" ("community_id");
CREATE INDEX "worker_service_end" ON "worker" ("service_end");
CREATE INDEX "worker_community_id_post" ON "worker" ("community_id", "post");
CREATE TABLE "position" ("id" SERIAL NOT NULL PRIMARY KEY, "version" INTEGER NOT NULL, "created_at" TIMESTAMP NOT NULL, "updated_at" TIMESTAMP NOT NULL, "community_id" INTEGER NOT NULL, "worker_id" INTEGER, "post" VARCHAR(32) NOT NULL, "title" VARCHAR(50) NOT NULL, "start_date" DATE, "end_date" DATE, FOREIGN KEY ("community_id") REFERENCES "community" ("id") ON DELETE RESTRICT, FOREIGN KEY ("worker_id") REFERENCES "worker" ("id") ON DELETE RESTRICT);
CREATE INDEX "position_community_id" ON "position" ("community_id");
CREATE INDEX "position_worker_id" ON "position" ("worker_id");
CREATE TABLE "assessment" ("id" SERIAL NOT NULL PRIMARY KEY, "worker_id" INTEGER NOT NULL, "year" INTEGER NOT NULL, "result" VARCHAR(20) NOT NULL, "recorded_at" TIMESTAMP NOT NULL, FOREIGN KEY ("worker_id") REFERENCES "worker" ("id") ON DELETE CASCADE);
CREATE INDEX "assessment_worker_id" ON "assessment" ("worker_id");
CREATE UNIQUE INDEX "assessment_worker_id_year" ON "assessment" ("worker_id", "year");
CREATE TABLE "policy" ("id" SERIAL NOT NULL PRIMARY KEY, "version" INTEGER NOT NULL, "created_at" TIMESTAMP NOT NULL, "updated_at" TIMESTAMP NOT NULL, "code" VARCHAR(64) NOT NULL, "title" VARCHAR(200) NOT NULL, "document" TEXT NOT NULL, "active" BOOLEAN NOT NULL);
CREATE UNIQUE INDEX "policy_code" ON "policy" ("code");
CREATE TABLE "policy_version" ("id" SERIAL NOT NULL PRIMARY KEY, "policy_id" INTEGER NOT NULL, "effective_from" DATE NOT NULL, "source" VARCHAR(200), "base_income_annual" BIGINT NOT NULL, "published_at" TIMESTAMP NOT NULL, FOREIGN KEY ("policy_id") REFERENCES "policy" ("id") ON DELETE CASCADE);
CREATE INDEX "policy_version_policy_id" ON "policy_version" ("policy_id");
CREATE UNIQUE INDEX "policy_version_policy_id_effective_from" ON "policy_version" ("policy_id", "effective_from");
CREATE TABLE "payroll_run" ("id" SERIAL NOT NULL PRIMARY KEY, "period" VARCHAR(7) NOT NULL, "scope_type" VARCHAR(10) NOT NULL, "street_id" INTEGER, "community_id" INTEGER, "scope_key" VARCHAR(40) NOT NULL, "status" VARCHAR(10) NOT NULL, "policy_id" INTEGER NOT NULL, "policy_effective_from" DATE NOT NULL, "payslip_count" INTEGER NOT NULL, "gross" BIGINT NOT NULL, "net" BIGINT NOT NULL, "income_tax" BIGINT NOT NULL, "employee_contributions" BIGINT NOT NULL, "employer_cost" BIGINT NOT NULL, "created_by" VARCHAR(100) NOT NULL, "created_at" TIMESTAMP NOT NULL, "approved_by" VARCHAR(100), "approved_at" TIMESTAMP, "paid_by" VARCHAR(100), "paid_at" TIMESTAMP, FOREIGN KEY ("street_id") REFERENCES "street" ("id") ON DELETE RESTRICT, FOREIGN KEY ("community_id") REFERENCES "community" ("id") ON DELETE RESTRICT, FOREIGN KEY ("policy_id") REFERENCES "policy" ("id") ON DELETE RESTRICT);
CREATE INDEX "payroll_run_street_id" ON "payroll_run" ("street_id");
CREATE INDEX "payroll_run_community_id" ON "payroll_run" ("community_id");
CREATE INDEX "payroll_run_policy_id" ON "payroll_run" ("policy_id");
CREATE UNIQUE INDEX "payroll_run_period_scope_key" ON "payroll_run" ("period", "scope_key");
CREATE TABLE "payslip" ("id" BIGSERIAL NOT NULL PRIMARY KEY, "run_id" INTEGER NOT NULL, "worker_id" INTEGER NOT NULL, "community_id" INTEGER NOT NULL, "street_id" INTEGER NOT NULL, "period" VARCHAR(7) NOT NULL, "post" VARCHAR(32) NOT NULL, "grade" INTEGER NOT NULL, "counted_years" INTEGER NOT NULL, "days" INTEGER NOT NULL, "basic_pay" BIGINT NOT NULL, "performance_pay" BIGINT NOT NULL, "education_allowance" BIGINT NOT NULL, "certificate_allowance" BIGINT NOT NULL, "tenure_allowance" BIGINT NOT NULL, "difference_allowance" BIGINT NOT NULL, "gross" BIGINT NOT NULL, "si_base" BIGINT NOT NULL, "employee_pension" BIGINT NOT NULL, "employee_medical" BIGINT NOT NULL, "employee_unemployment" BIGINT NOT NULL, "housing_fund_employee" BIGINT NOT NULL, "income_tax" BIGINT NOT NULL, "bonus_tax" BIGINT NOT NULL, "net" BIGINT NOT NULL, "employer_pension" BIGINT NOT NULL, "employer_medical" BIGINT NOT NULL, "employer_unemployment" BIGINT NOT NULL, "employer_work_injury" BIGINT NOT NULL, "housing_fund_employer" BIGINT NOT NULL, "accident_insurance" BIGINT NOT NULL, "employer_cost" BIGINT NOT NULL, "service_start" DATE NOT NULL, "service_end" DATE, "prior_service_years" INTEGER NOT NULL, "incompetent_years" INTEGER NOT NULL, "education" VARCHAR(20) NOT NULL, "certificate" VARCHAR(30) NOT NULL, "certificate_date" DATE, "assessment" VARCHAR(20), "special_deduction_monthly" BIGINT NOT NULL, "previous_monthly_pay" BIGINT, "prior_tax_months" INTEGER NOT NULL, "prior_income" BIGINT NOT NULL, "prior_deductions" BIGINT NOT NULL, "prior_tax" BIGINT NOT NULL, "prior_reserve" BIGINT NOT NULL, "ytd_tax_months" INTEGER NOT NULL, "ytd_income" BIGINT NOT NULL, "ytd_deductions" BIGINT NOT NULL, "ytd_tax" BIGINT NOT NULL, "ytd_reserve" BIGINT NOT NULL, FOREIGN KEY ("run_id") REFERENCES "payroll_run" ("id") ON DELETE CASCADE, FOREIGN KEY ("worker_id") REFERENCES "worker" ("id") ON DELETE RESTRICT, FOREIGN KEY ("community_id") REFERENCES "community" ("id") ON DELETE RESTRICT, FOREIGN KEY ("street_id") REFERENCES "street" ("id") ON DELETE RESTRICT);
CREATE INDEX "payslip_run_id" ON "payslip" ("run_id");
CREATE INDEX "payslip_worker_id" ON "payslip" ("worker_id");
CREATE INDEX "payslip_community_id" ON "payslip" ("community_id");
CREATE INDEX "payslip_street_id" ON "payslip" ("street_id");
CREATE UNIQUE INDEX "payslip_worker_id_period" ON "payslip" ("worker_id", "period");
CREATE INDEX "payslip_run_id_id" ON "payslip" ("run_id", "id");
CREATE INDEX "payslip_period_id" ON "payslip" ("period", "id");
CREATE TABLE "audit_entry" ("id" BIGSERIAL NOT NULL PRIMARY KEY, "at" TIMESTAMP NOT NULL, "actor" VARCHAR(100) NOT NULL, "role" VARCHAR(10) NOT NULL, "operation" VARCHAR(60) NOT NULL, "record_type" VARCHAR(40) NOT NULL, "record_id" VARCHAR(40) NOT NULL, "before" TEXT, "after" TEXT, "request_id" VARCHAR(40));
CREATE INDEX "audit_entry_at" ON "audit_entry" ("at");
CREATE INDEX "audit_entry_actor" ON "audit_entry" ("actor");
CREATE INDEX "audit_entry_operation" ON "audit_entry" ("operation");
CREATE INDEX "audit_entry_record_type_record_id" ON "audit_entry" ("record_type", "record_id");
CREATE TABLE "api_token" ("id" SERIAL NOT NULL PRIMARY KEY, "name" VARCHAR(100) NOT NULL, "role" VARCHAR(10) NOT NULL, "token_hash" VARCHAR(64) NOT NULL, "prefix" VARCHAR(12) NOT NULL, "streets" TEXT NOT NULL, "communities" TEXT NOT NULL, "created_at" TIMESTAMP NOT NULL, "expires_at" TIMESTAMP, "revoked_at" TIMESTAMP, "last_used_at" TIMESTAMP);
CREATE UNIQUE INDEX "api_token_token_hash" ON "api_token" ("token_hash");

-- Approved and paid runs never change; the database refuses it whatever the caller.
-- Inserts are checked once per statement (bulk inserts and COPY stay fast).
CREATE FUNCTION "payslip_locked_rows"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (SELECT "status" FROM "payroll_run" WHERE "id" = OLD."run_id") <> 'DRAFT' THEN
    RAISE EXCEPTION 'LOCKED: payroll run is approved or paid; its payslips never change';
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER "payslip_locked_change" BEFORE UPDATE OR DELETE ON "payslip"
  FOR EACH ROW EXECUTE FUNCTION "payslip_locked_rows"();
CREATE FUNCTION "payslip_locked_insert"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM "inserted" i JOIN "payroll_run" r ON r."id" = i."run_id" WHERE r."status" <> 'DRAFT') THEN
    RAISE EXCEPTION 'LOCKED: payroll run is approved or paid; its payslips never change';
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER "payslip_locked_insert" AFTER INSERT ON "payslip"
  REFERENCING NEW TABLE AS "inserted" FOR EACH STATEMENT EXECUTE FUNCTION "payslip_locked_insert"();
CREATE FUNCTION "payroll_run_locked"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD."status" = 'DRAFT' THEN
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
  END IF;
  IF TG_OP = 'UPDATE' AND OLD."status" = 'APPROVED' AND NEW."status" = 'PAID'
     AND (NEW."period", NEW."scope_key", NEW."policy_id", NEW."payslip_count", NEW."gross", NEW."net",
          NEW."income_tax", NEW."employee_contributions", NEW."employer_cost", NEW."approved_at")
       IS NOT DISTINCT FROM
         (OLD."period", OLD."scope_key", OLD."policy_id", OLD."payslip_count", OLD."gross", OLD."net",
          OLD."income_tax", OLD."employee_contributions", OLD."employer_cost", OLD."approved_at") THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'LOCKED: payroll run is approved or paid and never changes (only APPROVED → PAID)';
END $$;
CREATE TRIGGER "payroll_run_locked" BEFORE UPDATE OR DELETE ON "payroll_run"
  FOR EACH ROW EXECUTE FUNCTION "payroll_run_locked"();
