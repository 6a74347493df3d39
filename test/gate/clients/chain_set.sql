-- A SET of the default isolation committed by COMMIT AND CHAIN; the chained transaction's
-- ROLLBACK does not undo it, so the next block runs at REPEATABLE READ.
BEGIN;
SET default_transaction_isolation = 'repeatable read';
COMMIT AND CHAIN;
ROLLBACK;
BEGIN;
SELECT 1;
SELECT json_build_object('n', count(*)) FROM u;
COMMIT;
