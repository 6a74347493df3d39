// The probe a program keeps for its run: with its /proc descriptors held open between looks it must
// still see what a fresh look sees — a child started later, threads started or swapped for others
// at the same count — and give every descriptor back.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CAN_PROBE, ProcessTreeProbe } from '../../harness/gate/index.ts';
import { KNOWS_SYSCALLS } from '../../harness/gate/own-timers.ts';
import { eventually } from '../support/harness-child.ts';

const PYTHON = '/usr/bin/python3';
const dir = mkdtempSync(join(tmpdir(), 'prh-process-tree-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const started: ChildProcess[] = [];
afterEach(() => {
  for (const c of started.splice(0)) {
    try {
      if (c.pid !== undefined) process.kill(-c.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

/** A process group of its own, killed after each test; commands come on its stdin, a line each. */
function start(argv: readonly string[]): ChildProcess & { pid: number } {
  const child = spawn(argv[0] as string, argv.slice(1), { stdio: ['pipe', 'pipe', 'inherit'], detached: true });
  started.push(child);
  if (child.pid === undefined) throw new Error(`${argv[0]} did not start`);
  return child as ChildProcess & { pid: number };
}

async function settles(probe: ProcessTreeProbe): Promise<boolean> {
  return eventually(() => probe.settled(), 10_000);
}

/** Settled at none of `n` asks in a row. */
async function neverSettles(probe: ProcessTreeProbe, n = 20): Promise<boolean> {
  for (let i = 0; i < n; i++) if (await probe.settled()) return false;
  return true;
}

/** This process's descriptors open on some process's thread files in /proc: the probes' own. */
function openDescriptors(): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (/^\/proc\/\d+\/task\//.test(readlinkSync(`/proc/self/fd/${fd}`))) n++;
    } catch {
      // closed meanwhile (the one readdirSync itself used)
    }
  }
  return n;
}

describe.skipIf(!CAN_PROBE)('ProcessTreeProbe', () => {
  it('sees a child the program starts after its first looks, and gives its descriptors back when it is gone', async () => {
    // A shell that, on each line, starts a child spinning until the stop file exists.
    const stop = join(dir, 'stop');
    const shell = start(['bash', '-c', 'while read what; do (while [ ! -e "$0" ]; do :; done) & done', stop]);
    const before = openDescriptors();
    const probe = new ProcessTreeProbe(shell.pid);
    try {
      expect(await settles(probe)).toBe(true);
      const alone = openDescriptors();
      shell.stdin?.write('spin\n');
      // Once the shell has forked and waits again, a look reaches the child (its descriptors open),
      // and the spinning child keeps the tree from settling.
      expect(await eventually(async () => !(await probe.settled()) && openDescriptors() > alone, 10_000)).toBe(true);
      expect(await neverSettles(probe)).toBe(true);
      // The child ends and is reaped: the tree settles, and the child's descriptors go at that look.
      writeFileSync(stop, '');
      expect(await settles(probe)).toBe(true);
      expect(openDescriptors()).toBe(alone);
    } finally {
      probe.close();
    }
    expect(openDescriptors()).toBe(before);
  });

  it.skipIf(!existsSync(PYTHON))('lists threads again when one ends and another starts: same count, other threads', async () => {
    // One worker thread at a time, asleep on a queue; a line ends it and starts the next.
    const program = start([
      PYTHON,
      '-u',
      '-c',
      [
        'import sys, threading, queue',
        'def worker(q):',
        '    q.get()',
        'def spin():',
        '    while True:',
        '        pass',
        'q = queue.Queue(); t = threading.Thread(target=worker, args=(q,)); t.start()',
        'print(t.native_id)',
        'for line in sys.stdin:',
        '    q.put(1); t.join()',
        '    q = queue.Queue(); t = threading.Thread(target=worker, args=(q,)); t.start()',
        '    print(t.native_id)',
        '    if line.strip() == "spin":',
        '        threading.Thread(target=spin, daemon=True).start()',
      ].join('\n'),
    ]);
    const ids: string[] = [];
    program.stdout?.setEncoding('utf8').on('data', (s: string) => ids.push(...s.split('\n').filter(Boolean)));
    const probe = new ProcessTreeProbe(program.pid);
    try {
      expect(await eventually(() => ids.length === 1, 10_000)).toBe(true);
      expect(await settles(probe)).toBe(true);
      const first = probe.snapshot();
      expect(first).toContain(`${ids[0]}:`);
      program.stdin?.write('swap\n');
      expect(await eventually(() => ids.length === 2, 10_000)).toBe(true);
      expect(await settles(probe)).toBe(true);
      const second = probe.snapshot() ?? '';
      // Two threads before and after, but the worker is another one: its number, not the old one's.
      expect(second.match(/\b\d+:[A-Za-z]:/g)).toHaveLength(2);
      expect(second).toContain(`${ids[1]}:`);
      expect(second).not.toContain(`${ids[0]}:`);
      // A thread that computes, started after the last listing, keeps the program from settling.
      program.stdin?.write('spin\n');
      expect(await eventually(async () => !(await probe.settled()), 10_000)).toBe(true);
      expect(await neverSettles(probe)).toBe(true);
    } finally {
      probe.close();
    }
  });

  it('gives back the descriptors of a child that ended even while looks stop early at a busy one', async () => {
    // A shell that, on a line, starts a child: "block" one waiting for a FIFO's writer, "spin" one
    // that computes until killed.
    const fifo = join(dir, 'blocker');
    execFileSync('mkfifo', [fifo]);
    const shell = start(['bash', '-c', 'while read what; do if [ "$what" = block ]; then cat "$0" & else (while :; do :; done) & fi; done', fifo]);
    const probe = new ProcessTreeProbe(shell.pid);
    try {
      shell.stdin?.write('block\n');
      // Settled with the shell and its blocked child listed: their descriptors are what two processes hold.
      expect(await eventually(async () => (await probe.settled()) && (probe.snapshot()?.match(/\b\d+:S:/g)?.length ?? 0) === 2, 10_000)).toBe(true);
      const twoProcesses = openDescriptors();
      // A spinning child starts: looks take the newest child first and stop there.
      shell.stdin?.write('spin\n');
      expect(await eventually(() => probe.snapshot() === null && openDescriptors() > twoProcesses, 10_000)).toBe(true);
      const threeProcesses = openDescriptors();
      // The blocked child ends (a writer came and went): no look reaches where it was, yet its
      // descriptors go back.
      writeFileSync(fifo, '');
      expect(await eventually(() => probe.snapshot() === null && openDescriptors() < threeProcesses, 10_000)).toBe(true);
      expect(openDescriptors()).toBe(twoProcesses);
    } finally {
      probe.close();
    }
    expect(openDescriptors()).toBe(0);
  });

  it('says it is still settled only while nothing of the tree has run since it was taken as settled', async () => {
    // A shell that echoes each line: it runs only when written to.
    const echo = start(['sh', '-c', 'while read line; do echo "$line"; done']);
    const lines: string[] = [];
    echo.stdout?.setEncoding('utf8').on('data', (s: string) => lines.push(...s.split('\n').filter(Boolean)));
    const probe = new ProcessTreeProbe(echo.pid);
    try {
      // Never taken as settled yet: a look cannot say it is still settled.
      expect(probe.stillSettled()).toBe(false);
      expect(await settles(probe)).toBe(true);
      expect(probe.stillSettled()).toBe(true);
      expect(probe.stillSettled()).toBe(true);
      // It runs (reads a line, answers, waits again): no longer as it was.
      echo.stdin?.write('one\n');
      expect(await eventually(() => lines.length === 1, 10_000)).toBe(true);
      expect(await eventually(() => probe.snapshot() !== null, 10_000)).toBe(true);
      expect(probe.stillSettled()).toBe(false);
      // Taken as settled because the program said so (a runner's word): looks compare with that.
      probe.settledBySaying();
      expect(probe.stillSettled()).toBe(true);
      echo.stdin?.write('two\n');
      expect(await eventually(() => lines.length === 2, 10_000)).toBe(true);
      expect(probe.stillSettled()).toBe(false);
    } finally {
      probe.close();
    }
  });

  it('takes nothing as settled while a thread runs, whatever the program says', async () => {
    const spinner = start(['sh', '-c', 'while :; do :; done']);
    const probe = new ProcessTreeProbe(spinner.pid);
    try {
      for (let i = 0; i < 20; i++) {
        probe.settledBySaying();
        expect(probe.stillSettled()).toBe(false);
      }
    } finally {
      probe.close();
    }
  });

  it.skipIf(!existsSync(PYTHON))('takes nothing as settled on a program\'s word once it has more than one thread: that needs two looks', async () => {
    const program = start([PYTHON, '-c', 'import threading, sys; threading.Thread(target=sys.stdin.readline).start(); sys.stdin.readline()']);
    const probe = new ProcessTreeProbe(program.pid);
    try {
      expect(await eventually(() => (probe.snapshot()?.match(/\b\d+:S:/g)?.length ?? 0) === 2, 10_000)).toBe(true);
      probe.settledBySaying();
      expect(probe.stillSettled()).toBe(false);
      expect(await settles(probe)).toBe(true);
      expect(probe.stillSettled()).toBe(true);
    } finally {
      probe.close();
    }
  });

  it.skipIf(!existsSync(PYTHON))('tells a program of one thread with no child from one with more threads or a child', async () => {
    const single = new ProcessTreeProbe(start(['sh', '-c', 'read line']).pid);
    const threads = start([PYTHON, '-u', '-c', 'import threading, sys; threading.Thread(target=sys.stdin.readline).start(); print("up"); sys.stdin.readline()']);
    const twoThreads = new ProcessTreeProbe(threads.pid);
    // Its child waits for a writer to its FIFO (a sleep would count as running).
    const fifo = join(dir, 'child-waits');
    execFileSync('mkfifo', [fifo]);
    const parent = start(['sh', '-c', 'cat "$0" & read line', fifo]);
    const withChild = new ProcessTreeProbe(parent.pid);
    const up = new Promise((resolve) => threads.stdout?.once('data', resolve));
    try {
      expect(await eventually(() => single.oneThread(), 10_000)).toBe(true);
      await up;
      expect(twoThreads.oneThread()).toBe(false);
      // The shell has started its child once it waits on its stdin.
      expect(await eventually(() => (withChild.snapshot()?.match(/\b\d+:S:/g)?.length ?? 0) === 2, 10_000)).toBe(true);
      expect(withChild.oneThread()).toBe(false);
    } finally {
      for (const p of [single, twoThreads, withChild]) p.close();
    }
  });

  it('says a process that is gone holds no running thread, and a closed probe looks no more', async () => {
    const waiter = start(['sh', '-c', 'read line']);
    const probe = new ProcessTreeProbe(waiter.pid);
    expect(await settles(probe)).toBe(true);
    const exited = new Promise((resolve) => waiter.once('exit', resolve));
    waiter.kill('SIGKILL');
    await exited;
    expect(probe.snapshot()).toBe('');
    expect(await probe.settled()).toBe(true);
    probe.close();
    expect(probe.snapshot()).toBeNull();
  });

  it.skipIf(!KNOWS_SYSCALLS)('a program asleep on its own clock is not quiescent: a sleep, an event loop ticking on a short timer; a far timer is a wait', async () => {
    const node = process.execPath;
    const sleeper = new ProcessTreeProbe(start(['sleep', '30']).pid);
    const ticking = new ProcessTreeProbe(start([node, '-e', 'setInterval(() => {}, 20)']).pid);
    const far = new ProcessTreeProbe(start([node, '-e', 'setInterval(() => {}, 60_000)']).pid);
    try {
      // The far timer is a wait (a driver's connect timeout looks like this): it settles.
      expect(await settles(far)).toBe(true);
      // The others wake by themselves: never settled while they sleep or tick.
      expect(await neverSettles(sleeper, 50)).toBe(true);
      expect(await neverSettles(ticking, 50)).toBe(true);
    } finally {
      for (const p of [sleeper, ticking, far]) p.close();
    }
  });
});
