-- A read-then-write increment of counter 1 in psql: the value read is written back plus one.
BEGIN;
SELECT n FROM counter WHERE id = 1 \gset
UPDATE counter SET n = :n + 1 WHERE id = 1;
COMMIT;
