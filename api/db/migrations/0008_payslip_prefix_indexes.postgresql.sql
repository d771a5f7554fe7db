-- 0008 fewer indexes to maintain when a run inserts its payslips (issue 14:
-- a province's month, 1,000,000 payslips).
--
-- "payslip_run_id" is the first column of "payslip_run_id_id" and
-- "payslip_worker_id" the first column of the unique "payslip_worker_id_period":
-- every lookup by run or by worker (the foreign keys' checks and cascades
-- included) is served by the wider index, and each payslip inserted updated
-- eight indexes instead of six.
DROP INDEX "payslip_run_id";
DROP INDEX "payslip_worker_id";
