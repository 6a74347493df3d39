// The resident process: a `race` that outlives one spec run against a URL and serves the next
// ones with its modules loaded, its SQL parser compiled, and the last spec's database and sessions
// kept (checked unchanged before reuse). One command at a time; ends when idle, asked, or when a
// command it runs is interrupted.
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { pidAlive, processStartTime } from '../../db/index.ts';
import { runCli } from '../run-cli.ts';
import { FRAME, FrameReader, sendFrame, type ResidentRequest } from './resident-frames.ts';
import { ResidentKeep } from './resident-keep.ts';
import type { ResidentPlace } from './resident-place.ts';

/** Serves commands at `place` until idle for `place.idleMs`; returns at once if another resident holds the place. */
export async function serveResident(place: ResidentPlace): Promise<void> {
  if (!takeLock(place.lock)) return;
  let ownSocket = false;
  process.once('exit', () => {
    if (ownSocket) removeFile(place.socket);
    removeFile(place.lock);
  });
  const keep = new ResidentKeep();
  let busy = false;
  let preparing: Promise<void> = Promise.resolve();
  let idle: NodeJS.Timeout | undefined;
  let closing = false;
  const server = createServer();
  const shutdown = async () => {
    closing = true;
    clearTimeout(idle);
    server.close();
    await preparing;
    await keep.close();
    process.exit(0);
  };
  const rest = () => {
    clearTimeout(idle);
    idle = setTimeout(() => void shutdown(), place.idleMs);
  };
  server.on('connection', (socket: Socket) => {
    const reader = new FrameReader();
    let running = false;
    let finished = false;
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      for (const f of reader.push(chunk)) {
        if (f.kind === FRAME.stop) {
          sendFrame(socket, FRAME.stopping, process.pid);
          // A command under way is interrupted as by SIGTERM (its databases dropped on the way out).
          if (busy) process.kill(process.pid, 'SIGTERM');
          // Answered once the databases are dropped: `--stop-resident` returns when they are.
          closing = true;
          void preparing.then(() => keep.close()).finally(() => socket.end(() => void shutdown()));
        } else if (f.kind === FRAME.signal) {
          // The command's own process would stop its run, drop its databases and end: so does this one.
          if (running) process.kill(process.pid, f.payload.toString() === 'SIGINT' ? 'SIGINT' : 'SIGTERM');
        } else if (f.kind === FRAME.request) {
          // Busy, or on its way out: the command runs in its own process.
          if (busy || closing) {
            sendFrame(socket, FRAME.declined, '');
            socket.end();
            continue;
          }
          busy = running = true;
          clearTimeout(idle);
          const request = JSON.parse(f.payload.toString()) as ResidentRequest;
          void preparing
            .then(() => runRequest(request, socket, keep))
            .then((code) => {
              finished = true;
              sendFrame(socket, FRAME.exit, code);
              socket.end();
              busy = running = false;
              // The command has its answer; the next one's database is made while nobody waits.
              preparing = keep.prepareNext();
              rest();
            });
        }
      }
    });
    socket.on('close', () => {
      // The command went away mid-run (killed): its run stops as an interrupted one would.
      if (running && !finished) process.kill(process.pid, 'SIGTERM');
    });
  });
  removeFile(place.socket);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(place.socket, () => resolve());
  });
  ownSocket = true;
  rest();
  // Nobody reads this when a command started the resident (its output goes nowhere); a test does.
  process.stdout.write(`resident ${process.pid} listening on ${place.socket}\n`);
}

/** Runs one command as its own process would, with its argv, env, working directory and umask. */
async function runRequest(r: ResidentRequest, socket: Socket, keep: ResidentKeep): Promise<number> {
  const stream = (kind: typeof FRAME.out | typeof FRAME.err, tty: boolean) =>
    Object.assign(
      new Writable({
        write(chunk: Buffer | string, _encoding, done) {
          sendFrame(socket, kind, Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
          done();
        },
      }),
      { isTTY: tty, columns: r.columns },
    ) as unknown as NodeJS.WriteStream;
  const out = stream(FRAME.out, r.tty.out);
  const err = stream(FRAME.err, r.tty.err);
  try {
    // pg and libpq's conventions read process.env (PGPASSWORD, PGPASSFILE, ...) and relative paths
    // the working directory: both become the command's.
    for (const k of Object.keys(process.env)) delete process.env[k];
    for (const [k, v] of Object.entries(r.env)) if (v !== undefined) process.env[k] = v;
    process.chdir(r.cwd);
    process.umask(r.umask);
  } catch (e) {
    err.write(`error E_BAD_ARGUMENT: cannot run in ${r.cwd}: ${(e as Error).message}\n`);
    return 2;
  }
  if (r.argv.includes('--debug')) err.write(`(run by the resident process ${process.pid}; RACE_RESIDENT=off runs it in its own process)\n`);
  return runCli(r.argv, r.env, { out, err, cwd: r.cwd, keep, ...(r.command ? { command: r.command } : {}) });
}

/**
 * Holds the place's lock (a file made exclusively, holding this pid and its start time, so a
 * reused pid is not taken for the holder); false if a living resident has it.
 */
function takeLock(lock: string): boolean {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lock, 'wx', 0o600);
      writeSync(fd, `${process.pid} ${processStartTime(process.pid)}`);
      closeSync(fd);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') return false;
      const [pid, started = ''] = readFileOrEmpty(lock).split(' ');
      const holder = Number(pid);
      if (Number.isInteger(holder) && holder > 0 && pidAlive(holder) && processStartTime(holder) === started) return false;
      // Left by a resident that was killed: take it over.
      removeFile(lock);
    }
  }
  return false;
}

function readFileOrEmpty(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function removeFile(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // Already gone.
  }
}
