// Ctrl-C or SIGTERM during a run: the cells that finished still get their reports, written to
// --out beside the cleanup that drops the run's databases (harness/db stops the rest and exits
// 130 or 143). Registered for the length of one run.
import { isShuttingDown, registerCleanup } from '../db/index.ts';

/** Calls `write(signal)` when the process is interrupted while this is in force; returns its undo. */
export function onInterrupt(write: (signal: NodeJS.Signals) => Promise<void>): () => void {
  let signal: NodeJS.Signals | undefined;
  // `once`: a second Ctrl-C still ends the process at once, as Node does by default.
  const note = (s: NodeJS.Signals) => (signal ??= s);
  process.once('SIGINT', note);
  process.once('SIGTERM', note);
  const unregister = registerCleanup(
    async () => {
      // The signal's listeners all run before this goes on; a crash (not a signal) writes nothing here.
      await new Promise((resolve) => setImmediate(resolve));
      if (!isShuttingDown() || !signal) return;
      await write(signal);
    },
    () => undefined,
  );
  return () => {
    process.off('SIGINT', note);
    process.off('SIGTERM', note);
    unregister();
  };
}
