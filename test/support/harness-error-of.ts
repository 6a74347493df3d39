// The HarnessError a call throws, for tests of bad input: fails the test if it returns or throws anything else.
import { expect } from 'vitest';
import { HarnessError } from '../../harness/errors/index.ts';

export function harnessErrorOf(fn: () => unknown): HarnessError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(HarnessError);
  return caught as HarnessError;
}
