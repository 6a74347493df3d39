// A read-then-write increment of counter 1 over postgres.js (with "lock": SELECT ... FOR UPDATE).
// postgres.js reads DATABASE_URL's parts from PGHOST, PGPORT, ... when given no URL.
import postgres from 'postgres';

const lock = process.argv[2] === 'lock';
// fetch_types: false skips postgres.js's start-up query of pg_type (for array types this program
// does not use). That query joins catalog tables, and the harness's footprint analysis takes it
// as touching everything: it would be dependent on every step of the other actor and multiply
// the interleavings to search (192 runs instead of 10 for the lost update).
const sql = postgres({ max: 1, fetch_types: false });
await sql.begin(async (tx) => {
  const [row] = lock ? await tx`SELECT n FROM counter WHERE id = ${1} FOR UPDATE` : await tx`SELECT n FROM counter WHERE id = ${1}`;
  await tx`UPDATE counter SET n = ${row.n + 1} WHERE id = ${1}`;
});
await sql.end();
console.log(JSON.stringify({ done: true }));
