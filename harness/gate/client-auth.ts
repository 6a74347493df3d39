// How the gate admits a client: on trust, or with a password the harness hands out (asked in
// cleartext, which is safe on loopback and every driver speaks, or as MD5). The client never
// sees the real server's credentials; the gate uses its own upstream.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { authenticationCleartextPassword, authenticationMd5Password } from './backend-messages.ts';

export type ClientAuth =
  | { readonly method: 'trust' }
  /** `password` is PostgreSQL's name for cleartext (pg_hba.conf); `md5` hashes it with a salt. */
  | { readonly method: 'password' | 'md5'; readonly password: string };

/** The request the gate sends after the startup packet, and what a right answer must equal. */
export interface Challenge {
  readonly request: Buffer;
  readonly expected: string;
}

function md5(s: string | Buffer): string {
  return createHash('md5').update(s).digest('hex');
}

/** Builds the challenge for `user`; null on trust. */
export function challengeFor(auth: ClientAuth, user: string): Challenge | null {
  if (auth.method === 'trust') return null;
  if (auth.method === 'password') return { request: authenticationCleartextPassword(), expected: auth.password };
  const salt = randomBytes(4);
  const inner = md5(auth.password + user);
  return { request: authenticationMd5Password(salt), expected: `md5${md5(Buffer.concat([Buffer.from(inner), salt]))}` };
}

/** Whether a PasswordMessage body (a NUL-terminated string) answers the challenge. */
export function answers(challenge: Challenge, body: Buffer): boolean {
  const end = body.indexOf(0);
  const given = Buffer.from(body.subarray(0, end < 0 ? body.length : end));
  const expected = Buffer.from(challenge.expected, 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
