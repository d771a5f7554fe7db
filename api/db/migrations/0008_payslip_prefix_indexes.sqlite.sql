-- 0008 fewer indexes to maintain when a run inserts its payslips (see the
-- PostgreSQL step of the same number): the run's and the worker's indexes are
-- the first columns of "payslip_run_id_id" and "payslip_worker_id_period".
DROP INDEX "payslip_run_id";
DROP INDEX "payslip_worker_id";
