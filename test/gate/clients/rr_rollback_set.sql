-- A SET inside a block is undone by ROLLBACK: the next block is REPEATABLE READ again, its
-- snapshot taken at the read of t. Prints {"n": ...}.
SET default_transaction_isolation = 'repeatable read';
BEGIN;
SET default_transaction_isolation = 'read committed';
ROLLBACK;
BEGIN;
SELECT count(*) FROM t;
SELECT json_build_object('n', count(*)) FROM u;
COMMIT;
