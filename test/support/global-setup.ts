// Starts the PostgreSQL the whole suite shares (the embedded one unless DATABASE_URL is set)
// and hands its URL to the test files; stops it and removes its directory at the end.
import type { TestProject } from 'vitest/node';
import { chooseProvider, type StartedPostgres } from '../../harness/db/index.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
  }
}

let server: StartedPostgres | undefined;

export async function setup(project: TestProject): Promise<void> {
  server = await chooseProvider({ databaseUrl: process.env['DATABASE_URL'] }).start();
  project.provide('pgAdminUrl', server.urlFor(server.maintenanceDatabase));
}

export async function teardown(): Promise<void> {
  await server?.stop();
}
