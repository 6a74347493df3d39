-- A SET of the default isolation in a block that fails, ended by COMMIT: the server rolls the
-- block back, SET included, so the next block runs at the REPEATABLE READ set before it.
SET default_transaction_isolation = 'repeatable read';
BEGIN ISOLATION LEVEL READ COMMITTED;
SET default_transaction_isolation = 'read committed';
SELECT 1/0;
COMMIT;
BEGIN;
SELECT 1;
SELECT json_build_object('n', count(*)) FROM u;
COMMIT;
