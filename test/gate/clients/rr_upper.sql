-- The default isolation set with its level in upper case (enum settings are case-insensitive):
-- the block is REPEATABLE READ, its snapshot taken at the read of t. Prints {"n": ...}.
SET default_transaction_isolation TO 'REPEATABLE READ';
BEGIN;
SELECT count(*) FROM t;
SELECT json_build_object('n', count(*)) FROM u;
COMMIT;
