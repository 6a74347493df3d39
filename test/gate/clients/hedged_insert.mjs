// A hedged write: the same booking INSERT sent on two connections, the first answer taken and both
// connections closed. PostgreSQL has both requests by then, so both rows are inserted.
import pg from 'pg';

const a = new pg.Client({ connectionString: process.env.DATABASE_URL });
await a.connect();
const b = new pg.Client({ connectionString: process.env.DATABASE_URL });
await b.connect();
const winner = await Promise.race([
  a.query("INSERT INTO booking VALUES ('a')").then(() => 'a'),
  b.query("INSERT INTO booking VALUES ('b')").then(() => 'b'),
]);
await Promise.allSettled([a.end(), b.end()]);
console.log(JSON.stringify({ winner }));
