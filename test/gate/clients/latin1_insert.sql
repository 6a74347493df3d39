-- Run with PGCLIENTENCODING=LATIN1: the UTF-8 bytes of the name below (c3 a9) are two LATIN1
-- characters to the server, so this inserts into the table the server spells "caf\u00c3\u00a9".
INSERT INTO "café" VALUES (1);
