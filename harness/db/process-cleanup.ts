// Every started resource registers its stop here, so Ctrl-C, SIGTERM or a crash still stops
// PostgreSQL and removes its directory (STYLE section 8: one owner stops what was started).

type Stopper = { readonly async: () => Promise<void>; readonly sync: () => void; readonly last: boolean };

const stoppers = new Set<Stopper>();
let installed = false;
let exiting = false;

/** Users of a server first (they drop their databases through it), then the servers. */
async function stopAll(): Promise<void> {
  const all = [...stoppers];
  stoppers.clear();
  await Promise.allSettled(all.filter((s) => !s.last).map((s) => s.async()));
  await Promise.allSettled(all.filter((s) => s.last).map((s) => s.async()));
}

function install(): void {
  if (installed) return;
  installed = true;
  const onSignal = (signal: NodeJS.Signals) => {
    if (exiting) return;
    exiting = true;
    void stopAll().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // 'exit' handlers must be synchronous: kill and remove without waiting.
  process.once('exit', () => {
    for (const s of stoppers) s.sync();
    stoppers.clear();
  });
}

/**
 * Registers a resource's stop. `async` is the orderly stop; `sync` is the last resort on
 * process exit. A server registers with `stopsLast`: it is stopped after every other resource,
 * so what they created on it can still be dropped. Returns a function that unregisters it (call
 * it after an orderly stop).
 */
export function registerCleanup(async: () => Promise<void>, sync: () => void, options: { readonly stopsLast?: boolean } = {}): () => void {
  install();
  const s: Stopper = { async, sync, last: options.stopsLast ?? false };
  stoppers.add(s);
  return () => stoppers.delete(s);
}

/** True once a SIGINT/SIGTERM started the shutdown: errors from then on are its echo. */
export function isShuttingDown(): boolean {
  return exiting;
}

/** Stops every registered resource (tests and the CLI call it before exiting on an uncaught error). */
export function stopAllResources(): Promise<void> {
  return stopAll();
}
