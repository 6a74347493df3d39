// The command's side: hands the command to the resident and relays what it writes, its exit code
// and Ctrl-C; starts a resident for the next command when none answered.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { FRAME, FrameReader, sendFrame, type ResidentRequest } from './resident-frames.ts';
import type { ResidentPlace } from './resident-place.ts';

/** The flag a resident process is started with (never typed by a user). */
export const RESIDENT_SERVE_FLAG = '--resident-serve';

/** What became of a command handed to the resident. */
export type ResidentAnswer =
  /** It ran there: this is its exit code. */
  | { readonly ran: true; readonly code: number }
  /** It did not run there; `listening` says whether a resident answered at all (busy) or none is there. */
  | { readonly ran: false; readonly listening: boolean };

/**
 * Runs the command in the resident, writing its output to `out`/`err`. SIGINT and SIGTERM are
 * passed on (the resident stops the run, drops its databases and ends, as a command's own process
 * would); the answer is then 130 or 143.
 */
export function runInResident(place: ResidentPlace, request: ResidentRequest, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<ResidentAnswer> {
  return new Promise((resolve) => {
    const socket = connect(place.socket);
    const reader = new FrameReader();
    let connected = false;
    let wrote = false;
    let signalled: NodeJS.Signals | null = null;
    let answer: ResidentAnswer | null = null;
    const onSignal = (signal: NodeJS.Signals) => {
      signalled ??= signal;
      if (connected) sendFrame(socket, FRAME.signal, signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const settle = (a: ResidentAnswer) => {
      answer ??= a;
    };
    socket.on('connect', () => {
      connected = true;
      sendFrame(socket, FRAME.request, request);
      if (signalled) sendFrame(socket, FRAME.signal, signalled);
    });
    socket.on('data', (chunk: Buffer) => {
      for (const f of reader.push(chunk)) {
        if (f.kind === FRAME.out || f.kind === FRAME.err) {
          wrote = true;
          (f.kind === FRAME.out ? out : err).write(f.payload);
        } else if (f.kind === FRAME.exit) settle({ ran: true, code: Number(JSON.parse(f.payload.toString())) });
        else if (f.kind === FRAME.declined) settle({ ran: false, listening: f.payload.toString() === 'busy' });
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      if (answer) return resolve(answer);
      if (signalled) return resolve({ ran: true, code: signalled === 'SIGINT' ? 130 : 143 });
      // No resident (no socket, or one left by a resident that died), or one that died before
      // this command's first byte: the command runs in its own process, nothing was shown twice.
      if (!wrote) return resolve({ ran: false, listening: false });
      err.write('internal error: the resident process ended during the run (run again; RACE_RESIDENT=off runs every command in its own process)\n');
      resolve({ ran: true, code: 3 });
    });
  });
}

/** The request for this process's command. */
export function requestOf(argv: readonly string[], command: string | undefined): ResidentRequest {
  return {
    argv,
    ...(command ? { command } : {}),
    cwd: process.cwd(),
    env: { ...process.env },
    umask: process.umask(),
    tty: { out: process.stdout.isTTY === true, err: process.stderr.isTTY === true },
    columns: process.stdout.columns,
  };
}

/**
 * Starts a resident for this build, detached, its output nowhere: it outlives this command and
 * serves the next ones until it has been idle for `place.idleMs`. At most one per build: a second
 * sees the first's lock and ends.
 */
export function startResident(entry: string, idleMs: number): void {
  const child = spawn(process.execPath, [...process.execArgv, entry, RESIDENT_SERVE_FLAG, String(idleMs / 1000)], { detached: true, stdio: 'ignore', cwd: '/' });
  child.on('error', () => undefined);
  child.unref();
}

/**
 * `race --stop-resident`: asks every resident of this user (this build's and older ones) to drop
 * its databases and end; the pids of those that answered.
 */
export async function stopResidents(dir: string): Promise<number[]> {
  const pids = await Promise.all(residentSockets(dir).map((socket) => stopOne(socket, FRAME.stop)));
  return pids.filter((p): p is number => p !== null);
}

/** A new resident asks the other builds' residents (an edit ago, an install ago) to end once idle. */
export async function retireOthers(dir: string, own: string): Promise<void> {
  await Promise.all(residentSockets(dir).filter((socket) => socket !== own).map((socket) => stopOne(socket, FRAME.retire)));
}

function residentSockets(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((n) => /^resident-[0-9a-f]+\.sock$/.test(n))
      .map((n) => join(dir, n));
  } catch {
    return [];
  }
}

function stopOne(socketPath: string, kind: typeof FRAME.stop | typeof FRAME.retire): Promise<number | null> {
  return new Promise((resolve) => {
    const socket = connect(socketPath);
    const reader = new FrameReader();
    let pid: number | null = null;
    socket.on('connect', () => sendFrame(socket, kind, ''));
    socket.on('data', (chunk: Buffer) => {
      for (const f of reader.push(chunk)) if (f.kind === FRAME.stopping) pid = Number(JSON.parse(f.payload.toString()));
    });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(pid));
  });
}
