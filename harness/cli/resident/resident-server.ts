// The resident process: a `race` that outlives one spec run against a URL and serves the next
// ones with its modules loaded, its SQL parser compiled, and the last spec's database and sessions
// kept (checked unchanged before reuse). One command at a time; ends when idle, asked, when a
// command it runs is interrupted, or when what it keeps no longer serves.
import { linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { pidAlive, processStartTime } from '../../db/index.ts';
import { runCli } from '../run-cli.ts';
import { retireOthers } from './resident-client.ts';
import { FRAME, FrameReader, sendFrame, type ResidentRequest } from './resident-frames.ts';
import { ResidentKeep } from './resident-keep.ts';
import type { ResidentPlace } from './resident-place.ts';

/** How long the kept server may take to answer before a command: a resident that waits longer ends. */
const HEALTH_MS = 3000;
/** How long the way out may take to drop what it kept before the process ends anyway. */
const CLOSE_MS = 10_000;

/** Serves commands at `place` until idle for `place.idleMs`; returns at once if another resident holds the place. */
export async function serveResident(place: ResidentPlace): Promise<void> {
  const mark = `${process.pid} ${processStartTime(process.pid)}`;
  if (!takeLock(place.lock, mark)) return;
  let ownSocket = false;
  process.once('exit', () => {
    // Only what is still this resident's: a lock taken over (this one taken for dead) is the other's.
    if (readOrEmpty(place.lock) !== mark) return;
    if (ownSocket) removeFile(place.socket);
    removeFile(place.lock);
  });
  const keep = new ResidentKeep();
  let busy = false;
  let closing = false;
  let preparing: Promise<void> = Promise.resolve();
  let idle: NodeJS.Timeout | undefined;
  const server = createServer();
  const shutdown = async () => {
    closing = true;
    clearTimeout(idle);
    server.close();
    const late = new Promise<void>((resolve) => setTimeout(resolve, CLOSE_MS).unref());
    await Promise.race([preparing.then(() => keep.close()), late]);
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
        if (f.kind === FRAME.stop || (f.kind === FRAME.retire && !busy)) {
          sendFrame(socket, FRAME.stopping, process.pid);
          // A command under way is interrupted as by SIGTERM (its databases dropped on the way out).
          if (busy) process.kill(process.pid, 'SIGTERM');
          // Answered once the databases are dropped: `--stop-resident` returns when they are.
          closing = true;
          void preparing.then(() => keep.close()).finally(() => socket.end(() => void shutdown()));
        } else if (f.kind === FRAME.retire) {
          socket.end();
        } else if (f.kind === FRAME.signal) {
          // The command's own process would stop its run, drop its databases and end: so does this one.
          if (running) process.kill(process.pid, f.payload.toString() === 'SIGINT' ? 'SIGINT' : 'SIGTERM');
        } else if (f.kind === FRAME.request) {
          if (busy || closing) {
            sendFrame(socket, FRAME.declined, busy ? 'busy' : 'ending');
            socket.end();
            continue;
          }
          busy = true;
          clearTimeout(idle);
          const request = JSON.parse(f.payload.toString()) as ResidentRequest;
          void (async () => {
            // What is kept must still serve: else the command runs in its own process and a new resident follows.
            if (!(await keep.healthy(HEALTH_MS).catch(() => false)) || !(await settledWithin(preparing, HEALTH_MS))) {
              sendFrame(socket, FRAME.declined, 'ending');
              socket.end();
              void shutdown();
              return;
            }
            running = true;
            const code = await runRequest(request, socket, keep);
            finished = true;
            sendFrame(socket, FRAME.exit, code);
            socket.end();
            busy = running = false;
            // An internal error or a server that failed under the command: nothing kept is trusted further.
            if (code === 3 || code === 4) return void shutdown();
            // The command has its answer; the next one's database is made while nobody waits.
            preparing = keep.prepareNext();
            rest();
          })();
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
  // Residents of other builds (an edit or an install ago) hold connections nobody will use again.
  void retireOthers(place.dir, place.socket);
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
  const debug = r.argv.includes('--debug');
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
  keep.begin((line) => err.write(`${line}\n`));
  if (debug) err.write(`(run by the resident process ${process.pid}; RACE_RESIDENT=off runs it in its own process)\n`);
  try {
    return await runCli(r.argv, r.env, { out, err, cwd: r.cwd, keep, ...(r.command ? { command: r.command } : {}) });
  } catch (e) {
    // As main.ts reports an error that escaped the command, to the command's own stderr.
    err.write(`internal error: ${e instanceof Error ? (debug ? (e.stack ?? e.message) : e.message) : String(e)}\n`);
    return 3;
  }
}

function settledWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p.then(() => true, () => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)))]).finally(() => clearTimeout(timer));
}

/**
 * Holds the place's lock: a file holding this pid and its start time (so a reused pid is not
 * taken for the holder), written aside and linked into place, so nobody ever reads it half
 * written. False if a living resident holds it.
 */
function takeLock(lock: string, mark: string): boolean {
  const aside = `${lock}.${process.pid}`;
  writeFileSync(aside, mark, { mode: 0o600 });
  try {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        linkSync(aside, lock);
        return true;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') return false;
        const held = readOrEmpty(lock);
        const space = held.indexOf(' ');
        const holder = Number(held.slice(0, space));
        if (space > 0 && Number.isInteger(holder) && holder > 0 && pidAlive(holder) && processStartTime(holder) === held.slice(space + 1)) return false;
        // Left by a resident that was killed: take it over, unless another new one just did.
        if (readOrEmpty(lock) === held) removeFile(lock);
      }
    }
    return false;
  } finally {
    removeFile(aside);
  }
}

function readOrEmpty(file: string): string {
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
