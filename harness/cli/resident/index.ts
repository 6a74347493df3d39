// The resident process that serves spec runs against a URL: what `race` reads before anything
// heavy loads (the resident's own server is loaded by main.ts only in the resident).
export { residentDir, residentLifetimeMs, residentPlace, servedByResident, DEFAULT_RESIDENT_SECONDS, type ResidentPlace } from './resident-place.ts';
export { RESIDENT_SERVE_FLAG, requestOf, runInResident, startResident, stopResidents, type ResidentAnswer } from './resident-client.ts';
export type { KeptResources } from './resident-keep.ts';
export type { ResidentRequest } from './resident-frames.ts';
