// Renders a transcript as the isolation tester's text, the format of PostgreSQL's
// `expected/*.out` files, so that an output can be diffed against one.
import type { TranscriptEntry } from './isolation-transcript.ts';
import { formatResultSet } from './result-set-format.ts';

export function renderTranscript(entries: readonly TranscriptEntry[]): string {
  let out = '';
  for (const e of entries) out += renderEntry(e);
  return out;
}

export function renderEntry(e: TranscriptEntry): string {
  switch (e.kind) {
    case 'parsed':
      // Always "sessions", as the tester prints it.
      return `Parsed test spec with ${e.sessions} sessions\n`;
    case 'permutation':
      return `\nstarting permutation:${e.steps.map((s) => ` ${s}`).join('')}\n`;
    case 'step':
      return `step ${e.step}: ${e.sql}${e.waiting ? ' <waiting ...>' : ''}\n`;
    case 'completed':
      return `step ${e.step}: <... completed>\n`;
    case 'result-set':
      return formatResultSet(e.result);
    case 'error':
      return `${e.severity}:  ${e.message}\n`;
    case 'notice':
      return `${e.session}: ${e.severity}:  ${e.message}\n${e.detail ? `DETAIL:  ${e.detail}\n` : ''}${e.hint ? `HINT:  ${e.hint}\n` : ''}`;
    case 'notify':
      return `${e.session}: NOTIFY "${e.channel}" with payload "${e.payload}" from ${e.from}\n`;
    case 'failure':
      return `${e.message}\n`;
  }
}
