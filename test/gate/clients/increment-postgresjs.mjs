// A read-then-write increment of counter 1 over postgres.js (with "lock": SELECT ... FOR UPDATE).
// postgres.js reads DATABASE_URL's parts from PGHOST, PGPORT, ... when given no URL.
import postgres from 'postgres';

const lock = process.argv[2] === 'lock';
// PREPARE=0: unnamed statements (as behind pgbouncer), one batch per query.
const sql = postgres({ max: 1, ...(process.env.PREPARE === '0' ? { prepare: false, fetch_types: false } : {}) });
await sql.begin(async (tx) => {
  const [row] = lock ? await tx`SELECT n FROM counter WHERE id = ${1} FOR UPDATE` : await tx`SELECT n FROM counter WHERE id = ${1}`;
  await tx`UPDATE counter SET n = ${row.n + 1} WHERE id = ${1}`;
});
await sql.end();
console.log(JSON.stringify({ done: true }));
