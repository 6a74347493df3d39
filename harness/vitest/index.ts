// Public face of the vitest API (`position-race-harness/vitest`): assertRace and the global setup
// that starts the PostgreSQL races run on.
export { RaceAssertionError, assertRace } from './assert-race.ts';
export type { AssertRaceOptions, RaceReport } from './assert-race.ts';
export { RACE_DATABASE_URL, setup, startRaceDatabase, teardown } from './global-setup.ts';
