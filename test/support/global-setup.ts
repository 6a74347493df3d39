// Starts the PostgreSQL the whole suite shares (the embedded one unless DATABASE_URL is set) with
// the harness's own global setup for races, and also hands its URL to the test files as
// `pgAdminUrl`; stops it and removes its directory at the end.
import type { TestProject } from 'vitest/node';
import { startRaceDatabase } from '../../harness/vitest/index.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
  }
}

export async function setup(project: TestProject): Promise<void> {
  project.provide('pgAdminUrl', await startRaceDatabase(project));
}

export { teardown } from '../../harness/vitest/index.ts';
