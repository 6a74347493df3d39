-- COPY FROM STDIN through the wire gate: refused with an error that names it, never a hang.
COPY gate_accounts FROM STDIN;
3	300
\.
SELECT count(*) FROM gate_accounts;
