// Progress of a long run: a live status line on a terminal, plain lines otherwise (CI logs).
import type { ProgressEvent } from '../run/index.ts';
import { coverageText } from '../report/index.ts';

export function progressPrinter(stream: NodeJS.WriteStream): (e: ProgressEvent) => void {
  const tty = stream.isTTY === true;
  let lastDraw = 0;
  return (e) => {
    if (e.kind === 'cell-done') {
      const c = e.cell;
      const line = `[${e.index + 1}/${e.total}] ${c.scenario} @ ${c.variant}: ${c.error ? `ERROR ${c.error}` : c.verdict === 'violated' ? `VIOLATED ${c.violating}/${c.schedules}` : c.verdict} — ${coverageText(c)} (${(c.elapsedMs / 1000).toFixed(1)} s)${c.agrees ? '' : ` [expected ${c.expectation}]`}`;
      stream.write(tty ? `\r\x1b[K${line}\n` : `${line}\n`);
    } else if (e.kind === 'cell-progress' && tty) {
      // Redraw at most every 64 runs: the status line must not cost the run its speed.
      if (e.runs - lastDraw < 64 && e.runs > 1) return;
      lastDraw = e.runs;
      stream.write(`\r\x1b[K  ${e.scenario} @ ${e.layers}: ${e.runs} runs, ${e.violating} violating`);
    } else if (e.kind === 'cell-start') {
      lastDraw = 0;
    } else if (e.kind === 'worker-lost') {
      stream.write(tty ? `\r\x1b[K${e.message}\n` : `${e.message}\n`);
    }
  };
}
