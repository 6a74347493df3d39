// Which blocked system calls wake by themselves, read from /proc/<tid>/syscall lines as x86-64
// and arm64 Linux print them (both tables, on any machine).
import { describe, expect, it } from 'vitest';
import { SOON_MS, SYSCALL_TABLES, wakesByItself } from '../../harness/gate/own-timers.ts';

const soon = `0x${SOON_MS.toString(16)}`;
const later = `0x${(SOON_MS + 1).toString(16)}`;
const x64 = SYSCALL_TABLES['x64'] ?? null;
const arm64 = SYSCALL_TABLES['arm64'] ?? null;

describe('wakesByItself, x86-64 numbers', () => {
  it('an event loop waiting with a timeout due soon, or none at all, wakes by itself', () => {
    expect(wakesByItself('281 0xd 0x7fff5c2f01d0 0x400 0x1 0x0 0x7fff5c2f0190 0x7f1c', x64)).toBe(true); // epoll_pwait, 1 ms
    expect(wakesByItself(`232 0x3 0x7ffd 0x400 ${soon} 0x0 0x0 0x7ffd 0x7f1c`, x64)).toBe(true); // epoll_wait
    expect(wakesByItself('7 0x7ffd 0x2 0x0 0x0 0x0 0x0 0x7ffd 0x7f1c', x64)).toBe(true); // poll, 0 ms
  });
  it('a wait without a timeout, or with one further off, is a wait for someone else', () => {
    expect(wakesByItself('281 0x9 0x7f0ed65f9cf0 0x400 0xffffffff 0x0 0x7f0e 0x7f1c', x64)).toBe(false); // -1: forever
    expect(wakesByItself('281 0x9 0x7f0ed65f9cf0 0x400 0xffffffffffffffff 0x0 0x7f0e 0x7f1c', x64)).toBe(false); // -1 sign-extended
    expect(wakesByItself(`232 0x3 0x7ffd 0x400 ${later} 0x0 0x0 0x7ffd 0x7f1c`, x64)).toBe(false);
    expect(wakesByItself('7 0x7ffd 0x1 0x64 0x0 0x0 0x0 0x7ffd 0x7f1c', x64)).toBe(false); // psycopg 3 waiting for an answer: poll, 100 ms
    expect(wakesByItself('7 0x7ffd 0x2 0x7530 0x0 0x0 0x0 0x7ffd 0x7f1c', x64)).toBe(false); // poll, 30 s
  });
  it('a sleep, or a timed wait resumed after a signal, wakes by itself; a futex, a read or an unknown line does not say', () => {
    expect(wakesByItself('230 0x0 0x0 0x7ffd 0x7ffd 0x0 0x0 0x7ffd 0x7f1c', x64)).toBe(true); // clock_nanosleep
    expect(wakesByItself('35 0x7ffd 0x0 0x0 0x0 0x0 0x0 0x7ffd 0x7f1c', x64)).toBe(true); // nanosleep
    expect(wakesByItself('219 0x0 0x0 0x0 0x0 0x0 0x0 0x7ffd 0x7f1c', x64)).toBe(true); // restart_syscall
    expect(wakesByItself('202 0x566f9c8 0x189 0x0 0x0 0x0 0xffffffff 0x7ffd 0x7f1c', x64)).toBe(false); // futex
    expect(wakesByItself('0 0x3 0x7ffd 0x2000 0x0 0x0 0x0 0x7ffd 0x7f1c', x64)).toBe(false); // read
    expect(wakesByItself('running', x64)).toBe(false);
    expect(wakesByItself('-1 0x7ffd 0x7f1c', x64)).toBe(false);
    expect(wakesByItself('', x64)).toBe(false);
  });
});

describe('wakesByItself, arm64 numbers', () => {
  it('reads epoll_pwait, the sleeps and restart_syscall by their arm64 numbers', () => {
    expect(wakesByItself('22 0x4 0xffff 0x400 0x5 0x0 0x0 0xffff 0xffff', arm64)).toBe(true);
    expect(wakesByItself('22 0x4 0xffff 0x400 0xffffffff 0x0 0x0 0xffff 0xffff', arm64)).toBe(false);
    expect(wakesByItself('115 0x1 0x0 0xffff 0xffff 0x0 0x0 0xffff 0xffff', arm64)).toBe(true);
    expect(wakesByItself('101 0xffff 0x0 0x0 0x0 0x0 0x0 0xffff 0xffff', arm64)).toBe(true);
    expect(wakesByItself('128 0x0 0x0 0x0 0x0 0x0 0x0 0xffff 0xffff', arm64)).toBe(true);
    // 7 is not poll on arm64 (it has none): no timeout is read from it.
    expect(wakesByItself('7 0xffff 0x1 0x0 0x0 0x0 0x0 0xffff 0xffff', arm64)).toBe(false);
  });
  it('without a table for the machine nothing wakes by itself', () => {
    expect(wakesByItself('35 0x7ffd 0x0 0x0 0x0 0x0 0x0 0x7ffd 0x7f1c', null)).toBe(false);
  });
});
