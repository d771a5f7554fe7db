-- 0004 电子工资条 (SQLite): WORKER tokens name their worker; one-time payslip links.
-- Columns and tables are only added (0002 rebuilds tables, 0003 adds payslip columns).
-- Generated from the models with python -m api.db.schema_sql sqlite.

ALTER TABLE "api_token" ADD COLUMN "worker_id" INTEGER REFERENCES "worker" ("id") ON DELETE CASCADE;
CREATE INDEX "api_token_worker_id" ON "api_token" ("worker_id");
CREATE TABLE "payslip_link" ("id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, "worker_id" INTEGER NOT NULL, "code_hash" VARCHAR(64) NOT NULL, "created_by" VARCHAR(100) NOT NULL, "created_at" DATETIME NOT NULL, "expires_at" DATETIME NOT NULL, "used_at" DATETIME, "revoked_at" DATETIME, "token_id" INTEGER, FOREIGN KEY ("worker_id") REFERENCES "worker" ("id") ON DELETE CASCADE, FOREIGN KEY ("token_id") REFERENCES "api_token" ("id") ON DELETE SET NULL);
CREATE INDEX "payslip_link_worker_id" ON "payslip_link" ("worker_id");
CREATE UNIQUE INDEX "payslip_link_code_hash" ON "payslip_link" ("code_hash");
CREATE INDEX "payslip_link_token_id" ON "payslip_link" ("token_id");
