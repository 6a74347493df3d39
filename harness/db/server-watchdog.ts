// A detached shell beside each embedded PostgreSQL. If the harness ends without stopping the
// server (SIGKILL, a crash past every handler), the watchdog stops it and removes its directory:
// it reads a pipe from the harness, and the kernel closes that pipe however the harness ends (no
// polling, no timer). If the harness stopped the server itself, the watchdog does the slow part of
// the clean-up after the command has returned: removing the old directory, making the next spare.
import { spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import type { SparePlan } from './spare-clusters.ts';

/**
 * Lines in: `dir <dir>` (the server's directory, holding `data/`; not an argument, so no process
 * list shows it once it is gone), `pm <pid>` (the postmaster), `gone <dir>` (remove it), `from`/`fill`/`spare <dir>` and
 * `owner <uid:gid>` (make a spare: copy `from` into `fill/data`, hand it to `owner`, rename `fill`
 * to `spare`), then `done`. End of input before `done`: the harness is gone, so a fast shutdown
 * (SIGINT), SIGKILL after 10 s, and the directory removed. The pid is signalled only while it is
 * still that directory's postmaster.
 */
const SCRIPT = `
dir=; pm=; gone=; from=; fill=; spare=; owner=
while read -r cmd arg; do
  case $cmd in
    dir) dir=$arg ;; pm) pm=$arg ;; gone) gone=$arg ;; from) from=$arg ;; fill) fill=$arg ;; spare) spare=$arg ;; owner) owner=$arg ;;
    done)
      [ -n "$gone" ] && rm -rf "$gone"
      if [ -n "$from" ] && [ -n "$fill" ] && [ -n "$spare" ]; then
        if mkdir -m 700 "$fill" && cp -a "$from" "$fill/data" && { [ -z "$owner" ] || chown -R "$owner" "$fill/data"; } && mv "$fill" "$spare"; then :; else rm -rf "$fill"; fi
      fi
      exit 0 ;;
  esac
done
ours() {
  [ -n "$pm" ] && [ -n "$dir" ] || return 1
  [ "$(head -n 1 "$dir/data/postmaster.pid" 2>/dev/null)" = "$pm" ] && return 0
  kill -0 "$pm" 2>/dev/null && tr '\\0' ' ' < "/proc/$pm/cmdline" 2>/dev/null | grep -qF -- "$dir"
}
if ours; then
  kill -INT "$pm" 2>/dev/null
  i=0
  while kill -0 "$pm" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
  kill -KILL "$pm" 2>/dev/null
fi
[ -n "$dir" ] && rm -rf "$dir"
`;

export interface ServerWatchdog {
  /** The watchdog's own pid (recorded beside the server, for tests and by hand). */
  readonly pid: number | undefined;
  /** The postmaster to stop if the harness dies. */
  watch(postmasterPid: number): void;
  /**
   * The harness stopped the server: the watchdog removes `gone` and makes `spare` (as `owner`),
   * then exits. False when the watchdog is not there to do it (the caller removes `gone` itself).
   */
  release(afterwards: { readonly gone?: string; readonly spare?: (SparePlan & { readonly owner?: string }) | null }): boolean;
}

/** Starts the watchdog of `dir` (the directory holding `data/`), in a session of its own. */
export function startWatchdog(dir: string): ServerWatchdog {
  const child = spawn('sh', ['-c', SCRIPT], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
  const input = child.stdin as Socket;
  let alive = child.pid !== undefined;
  // Neither the process nor the pipe may keep the harness alive.
  child.unref();
  input.unref();
  input.on('error', () => (alive = false)); // killed by hand: nothing to tell it
  child.on('error', () => (alive = false));
  child.on('exit', () => (alive = false));
  const line = (cmd: string, arg: string) => {
    // One path per line: a path with a line break cannot be passed, so it is not.
    if (!/[\n\r]/.test(arg)) input.write(`${cmd} ${arg}\n`);
  };
  line('dir', dir);
  return {
    pid: child.pid,
    watch: (pid) => {
      if (alive) line('pm', String(pid));
    },
    release: ({ gone, spare }) => {
      if (!alive || (gone && /[\n\r]/.test(gone))) return false;
      if (gone) line('gone', gone);
      if (spare) {
        line('from', spare.from);
        line('fill', spare.fill);
        line('spare', spare.spare);
        if (spare.owner) line('owner', spare.owner);
      }
      input.end('done\n');
      alive = false;
      return true;
    },
  };
}
