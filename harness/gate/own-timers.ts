// Which blocked system calls a thread returns from by itself: a sleep, or an event loop's wait
// whose timeout is due soon (its next timer). A thread asleep in one of them is not waiting for the
// harness, so its program is not quiescent: the engine waits for it as for a program computing.

/**
 * An event loop's wait whose timeout (milliseconds) is at most this is its own timer, due soon
 * (Node's start-up waits 1 ms). Drivers that wake to check for Ctrl-C while they wait for an answer
 * do it less often (psycopg 3 every 100 ms): those waits are waits for the harness.
 */
export const SOON_MS = 20;

export interface SyscallTable {
  /** Waits with a timeout in milliseconds, by number: the argument (1-based) that holds it. */
  readonly msTimeout: ReadonlyMap<number, number>;
  /**
   * Sleeps, and restart_syscall (a timed wait a signal interrupted, resumed for its remaining
   * time): they end by themselves whatever their length.
   */
  readonly sleeps: ReadonlySet<number>;
}

/**
 * The numbers differ by architecture; elsewhere nothing is read (the thread's state alone decides).
 * Not read: waits whose timeout is behind a pointer (ppoll, pselect6, epoll_pwait2, futex), and
 * 32-bit programs on x86-64 (their numbers are another table's).
 */
export const SYSCALL_TABLES: Readonly<Record<string, SyscallTable>> = {
  // epoll_wait, epoll_pwait, poll; nanosleep, clock_nanosleep, restart_syscall
  x64: { msTimeout: new Map([[232, 4], [281, 4], [7, 3]]), sleeps: new Set([35, 230, 219]) },
  // epoll_pwait (arm64 has no epoll_wait or poll); nanosleep, clock_nanosleep, restart_syscall
  arm64: { msTimeout: new Map([[22, 4]]), sleeps: new Set([101, 115, 128]) },
};

const TABLE: SyscallTable | undefined = SYSCALL_TABLES[process.arch];

/** True when reading /proc/<tid>/syscall can tell anything on this machine. */
export const KNOWS_SYSCALLS = TABLE !== undefined;

/**
 * Whether a thread blocked in the system call that `/proc/<pid>/task/<tid>/syscall` shows (its
 * number, then its arguments in hex) returns by itself soon: a sleep, or a wait whose timeout is at
 * most SOON_MS. The timeout is the one the call was made with, so a long one made long ago may be
 * due sooner than it says; a long timeout (a driver's 30 s connect timeout) is a wait for the
 * harness, or the program could never be found quiet.
 */
export function wakesByItself(line: string, table: SyscallTable | null = TABLE ?? null): boolean {
  if (!table) return false;
  const parts = line.trim().split(' ');
  const nr = Number(parts[0]);
  // "running", or -1 (blocked outside a system call): nothing to read.
  if (!Number.isInteger(nr) || nr < 0) return false;
  if (table.sleeps.has(nr)) return true;
  const at = table.msTimeout.get(nr);
  const arg = at === undefined ? undefined : parts[at];
  if (arg === undefined || !/^0x[0-9a-f]+$/i.test(arg)) return false;
  // An int argument in a 64-bit register: -1 (wait forever) reads 0xffffffff.
  const timeout = Number(BigInt.asIntN(32, BigInt(arg)));
  return timeout >= 0 && timeout <= SOON_MS;
}
