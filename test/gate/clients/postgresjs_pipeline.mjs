// postgres.js pipelining: three queries issued at once on one connection go out without waiting
// for each other's answers (and a named statement reused with new values). Prints what it read.
import postgres from 'postgres';

const sql = postgres({ max: 1, fetch_types: false });
const [a, b, c] = await Promise.all([
  sql`SELECT ${1}::int + 1 AS n`,
  sql`SELECT ${10}::int + 1 AS n`,
  sql`SELECT balance FROM gate_accounts WHERE id = ${1}`,
]);
await sql.end();
console.log(JSON.stringify({ n: [a[0].n, b[0].n], balance: c[0].balance }));
