// One statement with bound values, sent alone outside a transaction block (node-postgres sends it
// in the extended protocol): argv[2] is the SQL, argv[3] the values as a JSON array.
import pg from 'pg';

const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
await client.connect();
const result = await client.query(process.argv[2], JSON.parse(process.argv[3] ?? '[]'));
await client.end();
console.log(JSON.stringify({ rowCount: result.rowCount }));
