// Parameter values written into SQL for traces: only real `$n` references are replaced.
import { describe, expect, it } from 'vitest';
import { inlineParameters, sqlLiteral } from '../../harness/gate/index.ts';

describe('inlineParameters', () => {
  it('writes each value as a literal', () => {
    expect(inlineParameters('SELECT pg_advisory_xact_lock($1)', [4242424242424n])).toBe('SELECT pg_advisory_xact_lock(4242424242424)');
    expect(inlineParameters('UPDATE t SET a = $2, b = $1, c = $3, d = $4, e = $5', ["it's", null, true, Buffer.from([0xde, 0xad]), [1n, null]])).toBe(
      "UPDATE t SET a = NULL, b = 'it''s', c = true, d = '\\xdead', e = ARRAY[1, NULL]",
    );
    expect(inlineParameters('SELECT $1, $10', [1])).toBe('SELECT 1, $10');
  });

  it('leaves strings, quoted identifiers, comments, dollar quotes and identifiers with $ alone', () => {
    const sql = `SELECT '$1', E'\\'$1', "$1", a$1, $$ $1 $$, $fn$ $1 $fn$ -- $1\n, /* $1 /* $1 */ */ $1`;
    expect(inlineParameters(sql, ['v'])).toBe(`SELECT '$1', E'\\'$1', "$1", a$1, $$ $1 $$, $fn$ $1 $fn$ -- $1\n, /* $1 /* $1 */ */ 'v'`);
  });

  it('sqlLiteral quotes text, keeps numbers and shortens long values', () => {
    expect([sqlLiteral('a'), sqlLiteral(1.5), sqlLiteral(false)]).toEqual(["'a'", '1.5', 'false']);
    expect(sqlLiteral('y'.repeat(1000))).toBe(`'${'y'.repeat(200)}…' /* 1000 characters */`);
    expect(sqlLiteral(Buffer.alloc(100))).toBe(`'\\x${'00'.repeat(64)}…' /* 100 bytes */`);
  });
});
