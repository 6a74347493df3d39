// The environment a process actor starts with: where its database (a wire gate), its outside
// services (HTTP service gates) and the virtual clock are, in the variables drivers read.
import type { GateAddress } from './wire-gate.ts';
import { clientUrlOf } from './wire-gate.ts';

/** Where a process actor's ports are. */
export interface ActorEndpoints {
  /** Its wire gate: DATABASE_URL and the libpq variables (PGHOST, PGPORT, ...). */
  readonly database?: GateAddress;
  /** Outside services by name: `RACE_SERVICE_<NAME>_URL` each. */
  readonly services?: Readonly<Record<string, string>>;
  /** The clock endpoint: RACE_CLOCK_URL. */
  readonly clockUrl?: string;
}

/** `payments` → `RACE_SERVICE_PAYMENTS_URL`; `price-feed` → `RACE_SERVICE_PRICE_FEED_URL`. */
export function serviceEnvName(name: string): string {
  return `RACE_SERVICE_${name.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}_URL`;
}

export const CLOCK_ENV = 'RACE_CLOCK_URL';

/** What bin/race.mjs tells the processes of its own command (which build they run): not the actor's business. */
const HARNESS_ONLY = new Set(['PRH_CHECKOUT_RUNS']);

/** libpq reads these; a harness's own settings must not reach the actor's driver. */
const LIBPQ_VARIABLE = /^PG[A-Z]+$/;

/**
 * The actor's environment: `base` (the harness's own, without its PG* variables, so a PGSERVICE or
 * PGOPTIONS of the harness's shell cannot redirect the actor), then the endpoints, then `extra`.
 */
export function actorEnv(base: Readonly<Record<string, string | undefined>>, endpoints: ActorEndpoints, extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined && !LIBPQ_VARIABLE.test(k) && k !== 'DATABASE_URL' && !HARNESS_ONLY.has(k)) env[k] = v;
  const db = endpoints.database;
  if (db) {
    env['DATABASE_URL'] = clientUrlOf(db);
    env['PGHOST'] = db.host;
    env['PGPORT'] = String(db.port);
    env['PGUSER'] = db.user;
    env['PGDATABASE'] = db.database;
    env['PGSSLMODE'] = 'disable';
    if (db.password !== undefined) env['PGPASSWORD'] = db.password;
  }
  for (const [name, url] of Object.entries(endpoints.services ?? {})) env[serviceEnvName(name)] = url;
  if (endpoints.clockUrl) env[CLOCK_ENV] = endpoints.clockUrl;
  return { ...env, ...extra };
}
