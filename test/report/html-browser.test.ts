// The HTML report in a real browser (headless Chromium): the DOM the page builds has the matrix and
// the timelines, its script runs without a console message, and a screenshot shows the design.
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHtml } from '../../harness/report/index.ts';
import { CHROMIUM, consoleMessages, runChromium } from './headless-chromium.ts';
import { named } from '../support/client-programs.ts';
import { toolMissing } from '../support/system-tool.ts';
import { sampleResult } from './sample-result.ts';

const SCREENSHOT = fileURLToPath(new URL('../../reports/screenshots/report.png', import.meta.url));

// Appended to a copy of the report: queries the live DOM, clicks the first copy button and
// records what the button shows, all into <pre id="probe"> for --dump-dom to carry out.
const PROBE = `<pre id="probe"></pre><script>
(function () {
  var states = [];
  function size(el) { var r = el ? el.getBoundingClientRect() : { width: 0, height: 0 }; return [Math.round(r.width), Math.round(r.height)]; }
  function report() {
    var timelines = Array.prototype.slice.call(document.querySelectorAll('.timeline'));
    document.getElementById('probe').textContent = JSON.stringify({
      matrix: document.querySelectorAll('#matrix').length,
      matrixSize: size(document.querySelector('#matrix')),
      cells: document.querySelectorAll('#matrix td.cell').length,
      disagreeing: document.querySelectorAll('#matrix td.cell.disagree').length,
      timelines: timelines.length,
      timelineSize: size(timelines[0]),
      lanes: timelines.map(function (t) { return t.querySelectorAll('.lane').length; }),
      steps: timelines.map(function (t) { return t.querySelectorAll('.step').length; }),
      errorSteps: document.querySelectorAll('.timeline .step.err').length,
      waits: document.querySelectorAll('.timeline .wait').length,
      copyButtons: document.querySelectorAll('button.copy').length,
      copyStates: states
    });
  }
  var button = document.querySelector('button.copy');
  new MutationObserver(function () {
    var state = button.getAttribute('data-state');
    if (state) states.push(state);
    report();
  }).observe(button, { attributes: true, attributeFilter: ['data-state'] });
  report();
  button.click();
})();
</script>`;

interface Probe {
  matrix: number;
  matrixSize: [number, number];
  cells: number;
  disagreeing: number;
  timelines: number;
  timelineSize: [number, number];
  lanes: number[];
  steps: number[];
  errorSteps: number;
  waits: number;
  copyButtons: number;
  copyStates: string[];
}

let dir = '';
let reportFile = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'report-browser-'));
  reportFile = join(dir, 'report.html');
  await writeFile(reportFile, renderHtml(sampleResult), 'utf8');
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const noChromium = toolMissing(CHROMIUM, 'chromium');

describe.skipIf(noChromium)(named('the HTML report in headless Chromium', noChromium), () => {
  it('builds the matrix and one timeline per counterexample, and the copy button works without errors', async () => {
    const probeFile = join(dir, 'probe.html');
    await writeFile(probeFile, (await readFile(reportFile, 'utf8')).replace('</body>', `${PROBE}\n</body>`), 'utf8');
    // Virtual time lets the clipboard promise settle before the DOM is dumped.
    const run = await runChromium(probeFile, ['--virtual-time-budget=1000', '--dump-dom']);
    const start = run.stdout.indexOf('<pre id="probe">');
    expect(start, 'the probe did not run: no <pre id="probe"> in the dumped DOM').toBeGreaterThan(0);
    const json = run.stdout.slice(start + '<pre id="probe">'.length, run.stdout.indexOf('</pre>', start)).replaceAll('&quot;', '"').replaceAll('&amp;', '&');
    const probe = JSON.parse(json) as Probe;
    const counterexamples = sampleResult.cells.flatMap((c) => (c.counterexample ? [c.counterexample] : []));
    expect(probe).toMatchObject({
      matrix: 1,
      cells: sampleResult.cells.length,
      disagreeing: 1,
      timelines: counterexamples.length,
      lanes: counterexamples.map((c) => c.actors.length),
      steps: counterexamples.map((c) => c.trace.length),
      errorSteps: 1,
      waits: 1,
      copyButtons: counterexamples.length,
    });
    expect(probe.matrixSize[0]).toBeGreaterThan(600);
    expect(probe.timelineSize[0]).toBeGreaterThan(20 * 100);
    expect(probe.timelineSize[1]).toBeGreaterThan(2 * 60);
    // Headless Chromium denies the clipboard: the button falls back to selecting the command.
    expect(probe.copyStates.length).toBeGreaterThan(0);
    expect(['copied', 'press Ctrl+C']).toContain(probe.copyStates[0]);
    expect(consoleMessages(run.stderr)).toEqual([]);
  });

  it('saves a screenshot of the page to reports/screenshots/report.png', async () => {
    await mkdir(dirname(SCREENSHOT), { recursive: true });
    await rm(SCREENSHOT, { force: true });
    const run = await runChromium(reportFile, [`--screenshot=${SCREENSHOT}`, '--window-size=1400,1800']);
    expect(consoleMessages(run.stderr)).toEqual([]);
    const png = await readFile(SCREENSHOT);
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1400, 1800]);
    // A blank 1400×1800 page compresses to a few KB; the report's page is far larger.
    expect((await stat(SCREENSHOT)).size).toBeGreaterThan(30_000);
  });

  it('would notice console output and uncaught errors (the check above is not vacuous)', async () => {
    const broken = join(dir, 'broken.html');
    await writeFile(broken, '<!doctype html><p>x</p><script>console.error("boom"); null.x;</script>', 'utf8');
    const run = await runChromium(broken, ['--dump-dom']);
    const messages = consoleMessages(run.stderr);
    expect(messages.some((m) => m.includes('"boom"'))).toBe(true);
    expect(messages.some((m) => m.includes('Uncaught TypeError'))).toBe(true);
  });
});
