// Progress of a long run: a live status line on a terminal, plain lines otherwise (CI logs); each
// finished cell with what is left of the run, coloured only where colour is wanted.
import type { ProgressEvent } from '../run/index.ts';
import { coverageText } from '../report/index.ts';
import { durationText, type RunEstimate } from './run-estimate.ts';
import { paint, type Paint } from './terminal-colour.ts';

export function progressPrinter(stream: NodeJS.WriteStream, options: { readonly colour?: boolean; readonly estimate?: RunEstimate; readonly onCell?: (e: Extract<ProgressEvent, { kind: 'cell-done' }>) => void } = {}): (e: ProgressEvent) => void {
  const tty = stream.isTTY === true;
  const p = paint(options.colour ?? false);
  let lastDraw = 0;
  return (e) => {
    if (e.kind === 'cell-done') {
      const c = e.cell;
      options.onCell?.(e);
      options.estimate?.done(c.scenario, c.variant, c.elapsedMs);
      const left = options.estimate?.remainingMs();
      const eta = left !== undefined && e.index + 1 < e.total ? p.dim(`; ${durationText(left)} left`) : '';
      const line = `[${e.index + 1}/${e.total}] ${c.scenario} @ ${c.variant}: ${verdictText(c, p)} — ${coverageText(c)} (${(c.elapsedMs / 1000).toFixed(1)} s${eta})${c.agrees ? '' : p.red(` [expected ${c.expectation}]`)}`;
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

function verdictText(c: Extract<ProgressEvent, { kind: 'cell-done' }>['cell'], p: Paint): string {
  if (c.error) return p.red(`ERROR ${c.error}`);
  if (c.verdict === 'violated') return p.red(`VIOLATED ${c.violating}/${c.schedules}`);
  return c.verdict === 'proven' ? p.green(c.verdict) : p.yellow(c.verdict);
}
