-- Jurisdictions (行政区划): cities (市), counties (县) and districts (区), each
-- owning streets and publishing its own policies.  Everything stored before
-- belongs to jurisdiction 1, the installation's one city until now (its
-- 行政区划代码 and name are placeholders an administrator sets with
-- updateJurisdiction).
CREATE TABLE "jurisdiction" ("id" SERIAL NOT NULL PRIMARY KEY, "version" INTEGER NOT NULL, "created_at" TIMESTAMP NOT NULL, "updated_at" TIMESTAMP NOT NULL, "code" VARCHAR(12) NOT NULL, "name" VARCHAR(100) NOT NULL, "level" VARCHAR(10) NOT NULL, "parent_id" INTEGER REFERENCES "jurisdiction" ("id") ON DELETE RESTRICT, "population" INTEGER);
CREATE UNIQUE INDEX "jurisdiction_code" ON "jurisdiction" ("code");
CREATE INDEX "jurisdiction_parent_id" ON "jurisdiction" ("parent_id");
INSERT INTO "jurisdiction" ("id", "version", "created_at", "updated_at", "code", "name", "level", "parent_id", "population")
VALUES (1, 1, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC', '000000', '本市', 'CITY', NULL, NULL);
SELECT setval(pg_get_serial_sequence('jurisdiction', 'id'), 1);
-- Adding a column with a constant default rewrites nothing and fires no
-- trigger: the locked approved and paid runs are not touched.
ALTER TABLE "street" ADD COLUMN "jurisdiction_id" INTEGER NOT NULL DEFAULT 1 REFERENCES "jurisdiction" ("id") ON DELETE RESTRICT;
CREATE INDEX "street_jurisdiction_id" ON "street" ("jurisdiction_id");
-- A policy belongs to the jurisdiction that publishes it; its code is unique
-- there, and each jurisdiction has at most one active policy.
ALTER TABLE "policy" ADD COLUMN "jurisdiction_id" INTEGER NOT NULL DEFAULT 1 REFERENCES "jurisdiction" ("id") ON DELETE RESTRICT;
DROP INDEX "policy_code";
CREATE UNIQUE INDEX "policy_jurisdiction_id_code" ON "policy" ("jurisdiction_id", "code");
-- A run is paid under one jurisdiction's policy: one run per month, jurisdiction and scope.
ALTER TABLE "payroll_run" ADD COLUMN "jurisdiction_id" INTEGER NOT NULL DEFAULT 1 REFERENCES "jurisdiction" ("id") ON DELETE RESTRICT;
DROP INDEX "payroll_run_period_scope_key";
CREATE UNIQUE INDEX "payroll_run_period_jurisdiction_id_scope_key" ON "payroll_run" ("period", "jurisdiction_id", "scope_key");
CREATE INDEX "payroll_run_jurisdiction_id" ON "payroll_run" ("jurisdiction_id");
-- Tokens limited to jurisdictions (JSON list of 行政区划代码, like streets and communities).
ALTER TABLE "api_token" ADD COLUMN "jurisdictions" TEXT NOT NULL DEFAULT '[]';
