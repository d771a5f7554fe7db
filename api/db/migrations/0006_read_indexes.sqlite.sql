-- 0006 indexes for reads on a big city (see the PostgreSQL step of the same
-- number).  Staffing counts the workers in service on a day by community and
-- post from an index with the dates in it.  (Worker search's trigram index is
-- PostgreSQL's: SQLite has no index for LIKE '%term%'.)
DROP INDEX "worker_community_id_post";
CREATE INDEX "worker_community_id_post_service_start_service_end"
  ON "worker" ("community_id", "post", "service_start", "service_end");
