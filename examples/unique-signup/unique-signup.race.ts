// A sign-up form submitted twice (a double-click, a retried request): check-then-insert creates
// two users for one address; a unique index and INSERT ... ON CONFLICT create one, and both
// requests get its id.
import { defineScenario, type SqlSession } from 'position-race-harness';
import { signUpCheckThenInsert, signUpOnConflict } from './sign-up.ts';

type SignUp = (db: SqlSession, email: string, name: string) => Promise<number>;

function signUpTwice(name: string, signUp: SignUp, schema: readonly URL[], expect: 'holds' | 'violates') {
  return defineScenario({
    name,
    title: `The same sign-up submitted twice (${signUp.name})`,
    schema,
    actors: ['click-1', 'click-2'].map((click) => ({ name: click, run: ({ sql }) => signUp(sql, 'Ada@example.com', 'Ada') })),
    check: async ({ sql, results }) => {
      const { rows } = await sql<{ n: number }>("SELECT count(*)::int AS n FROM app_user WHERE lower(email) = 'ada@example.com'");
      if (rows[0]?.n !== 1) return `${rows[0]?.n} users for one address`;
      if (results['click-1'] !== results['click-2']) return `the two requests got different users: ${String(results['click-1'])} and ${String(results['click-2'])}`;
    },
    expect,
  });
}

const schema = new URL('./schema.sql', import.meta.url);
export const uniqueSignupBuggy = signUpTwice('unique-signup-buggy', signUpCheckThenInsert, [schema], 'violates');
export const uniqueSignupFixed = signUpTwice('unique-signup-fixed', signUpOnConflict, [schema, new URL('./unique-email.sql', import.meta.url)], 'holds');
