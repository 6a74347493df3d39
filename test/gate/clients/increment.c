/* A read-then-write increment of counter 1 over libpq (with "lock": SELECT ... FOR UPDATE).
 * Build: gcc increment.c -I$(pg_config --includedir) -lpq -o increment. An empty conninfo
 * connects where PGHOST, PGPORT, ... say. */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static PGresult *run(PGconn *conn, const char *sql, int n, const char *const *values, ExecStatusType want) {
    PGresult *res = PQexecParams(conn, sql, n, NULL, values, NULL, NULL, 0);
    if (PQresultStatus(res) != want) {
        fprintf(stderr, "%s: %s", sql, PQerrorMessage(conn));
        exit(1);
    }
    return res;
}

int main(int argc, char **argv) {
    int lock = argc > 1 && strcmp(argv[1], "lock") == 0;
    PGconn *conn = PQconnectdb("");
    if (PQstatus(conn) != CONNECTION_OK) {
        fprintf(stderr, "connect: %s", PQerrorMessage(conn));
        return 1;
    }
    const char *one[] = {"1"};
    PQclear(run(conn, "BEGIN", 0, NULL, PGRES_COMMAND_OK));
    PGresult *res = run(conn, lock ? "SELECT n FROM counter WHERE id = $1 FOR UPDATE" : "SELECT n FROM counter WHERE id = $1", 1, one, PGRES_TUPLES_OK);
    char next[32];
    snprintf(next, sizeof next, "%d", atoi(PQgetvalue(res, 0, 0)) + 1);
    PQclear(res);
    const char *update[] = {next, "1"};
    PQclear(run(conn, "UPDATE counter SET n = $1 WHERE id = $2", 2, update, PGRES_COMMAND_OK));
    PQclear(run(conn, "COMMIT", 0, NULL, PGRES_COMMAND_OK));
    PQfinish(conn);
    puts("{\"done\": true}");
    return 0;
}
