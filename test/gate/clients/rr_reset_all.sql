-- RESET ALL brings back the startup value (PGOPTIONS sets REPEATABLE READ): the block is
-- REPEATABLE READ, its snapshot taken at the read of t. Prints {"n": ...}.
SET default_transaction_isolation = 'read committed';
RESET ALL;
BEGIN;
SELECT count(*) FROM t;
SELECT json_build_object('n', count(*)) FROM u;
COMMIT;
