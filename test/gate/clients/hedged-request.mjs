// A hedged request: the same lookup sent on two connections at once, the first answer taken and
// the other one's connection closed while its statement is still held. Which answer comes first
// is the harness's choice; what the program writes depends on it.
import pg from 'pg';

const a = new pg.Client({ connectionString: process.env.DATABASE_URL });
await a.connect();
const b = new pg.Client({ connectionString: process.env.DATABASE_URL });
await b.connect();
const winner = await Promise.race([a.query('SELECT 1 AS n').then(() => 'a'), b.query('SELECT 2 AS n').then(() => 'b')]);
await a.query('INSERT INTO answered VALUES ($1)', [winner]);
await a.end();
await b.end();
console.log(JSON.stringify({ winner }));
