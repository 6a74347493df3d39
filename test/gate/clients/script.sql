-- A psql script through the wire gate: each statement is its own simple Query, so its own step.
BEGIN;
SELECT pg_advisory_xact_lock(4242424242424);
UPDATE gate_accounts SET balance = balance + 1 WHERE id = 1;
COMMIT;
