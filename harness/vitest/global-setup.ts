// A vitest globalSetup for races: starts the PostgreSQL they run on (the embedded one, or the
// server of DATABASE_URL) once for the whole test run, hands its URL to the test files, stops it
// at the end. Use it as `globalSetup: ['position-race-harness/vitest/global-setup']`, or re-export
// `setup` and `teardown` from a file of your own.
import { chooseProvider, type StartedPostgres } from '../db/index.ts';

/**
 * The part of vitest's TestProject a global setup uses. Written out rather than imported from
 * `vitest/node`, whose types need packages a project may not have typed (e.g. `debug`).
 */
export interface ProvidingProject {
  provide(key: string, value: string): void;
}

/** The key assertRace reads the server's URL from (vitest's provide / inject). */
export const RACE_DATABASE_URL = 'raceDatabaseUrl';

declare module 'vitest' {
  export interface ProvidedContext {
    raceDatabaseUrl: string;
  }
}

let server: StartedPostgres | undefined;

/** Starts the server and provides its URL; returns the URL (of its maintenance database). */
export async function startRaceDatabase(project: ProvidingProject): Promise<string> {
  server = await chooseProvider({ databaseUrl: process.env['DATABASE_URL'] }).start();
  const url = server.urlFor(server.maintenanceDatabase);
  project.provide(RACE_DATABASE_URL, url);
  return url;
}

export async function setup(project: ProvidingProject): Promise<void> {
  await startRaceDatabase(project);
}

export async function teardown(): Promise<void> {
  await server?.stop();
  server = undefined;
}
