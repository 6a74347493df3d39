// The messages between the parent and its worker processes (Node's IPC channel, JSON): the
// parent hands out one cell at a time from the shared queue; a worker answers with its result.
import type { CellResult } from '../run/index.ts';

export type ToWorker =
  | { readonly kind: 'cell'; readonly scenario: string; readonly layers: string; readonly template: string }
  | { readonly kind: 'stop' };

export type FromWorker =
  | { readonly kind: 'ready' }
  | { readonly kind: 'progress'; readonly runs: number; readonly violating: number }
  | { readonly kind: 'result'; readonly cell: CellResult }
  /** The cell could not finish: E_DB_UNREACHABLE, or an internal error (with its stack). */
  | { readonly kind: 'error'; readonly code: string; readonly message: string; readonly stack?: string };

/** What a worker process needs of its parent: Node's `process.send` and `process.on('message')`. */
export interface ParentChannel {
  send(message: FromWorker): void;
  onMessage(listener: (message: ToWorker) => void): void;
}

/** Hidden flag: this process is a worker taking cells from its parent over IPC. */
export const QUEUE_WORKER_FLAG = '--queue-worker';
