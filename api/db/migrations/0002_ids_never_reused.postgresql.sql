-- 0002 ids are never reused (PostgreSQL): nothing to change.  Every table's id
-- comes from its own sequence (SERIAL, BIGSERIAL), and nextval never hands out
-- a number twice: not after the row is deleted, not after the transaction that
-- took it rolled back.  tests/api/test_migrations.py checks it, and SQLite's
-- 0002 rebuilds its tables with AUTOINCREMENT for the same guarantee.  This
-- step keeps the two dialects' migration numbers aligned.
SELECT 1;
