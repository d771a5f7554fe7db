-- 0006 indexes for reads on a big city (measured with 100,000 workers, see
-- docs/performance.md, "Mixed load on PostgreSQL").
--
-- Staffing counts the workers in service on a day by community and post: with
-- the dates in the index it reads the index alone instead of the table.
DROP INDEX "worker_community_id_post";
CREATE INDEX "worker_community_id_post_service_start_service_end"
  ON "worker" ("community_id", "post", "service_start", "service_end");

-- Worker search (`workers(where: {search})`) matches code, name and identity
-- number anywhere in the text ('%term%'), which no B-tree serves: each search
-- and its totalCount read the whole table (150–300 ms with ILIKE).
--
-- A surname or a two-character given name: the rows whose code and name hold
-- every character of the term, through an index of those characters (1.4 ms
-- instead of a 30 ms scan for a one-character surname; api/reads/records.py
-- writes the same expression).
CREATE INDEX "worker_search_characters" ON "worker" USING gin
  ((array_cat(string_to_array("code", NULL), string_to_array("name", NULL))));

-- Three characters or more — a code, a full name, part of an identity number:
-- a trigram index (pg_trgm), well under a millisecond.  pg_trgm ships with
-- PostgreSQL (contrib) and is a trusted extension: the owner of the database
-- may create it.  Where it cannot be created, search still works, without
-- this index; the notice says why.
DO $$
BEGIN
  BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
  EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'pg_trgm is not available (%): worker search runs without its index', SQLERRM;
  END;
  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
    EXECUTE 'CREATE INDEX "worker_search_trgm" ON "worker" USING gin '
            '("code" gin_trgm_ops, "name" gin_trgm_ops, "id_number" gin_trgm_ops)';
  END IF;
END $$;
