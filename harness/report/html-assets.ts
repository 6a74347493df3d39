// The HTML report's inline stylesheet and its one small script (the replay "copy" buttons):
// inlined into the page, so the report opens from a CI artifact with no network at all.

/** The page's stylesheet; the timeline SVG is styled from here too. */
export const REPORT_CSS = `
:root {
  --bg: #f5f6f8; --card: #fff; --ink: #1f2328; --muted: #59636e; --line: #d8dee4; --soft: #eef1f4;
  --holds: #1a7f37; --holds-bg: #e7f5ec; --violates: #c2241d; --violates-bg: #fdecea;
  --warn: #9a6700; --warn-bg: #fff5cc; --accent: #0b62c4;
  --sql: #2f6fd0; --sql-bg: #eaf1fc; --service: #7a45d6; --service-bg: #f2ecfd;
  --sleep: #b07800; --sleep-bg: #fff6df; --wait: #e0690b;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: var(--bg); color: var(--ink); font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif; }
code, .mono { font-family: ui-monospace, SFMono-Regular, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12.5px; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
.wrap { max-width: 1340px; margin: 0 auto; padding: 0 28px; }
header.top { background: #14213d; color: #e8edf5; padding: 26px 0 22px; }
header.top .brand { text-transform: uppercase; letter-spacing: .12em; font-size: 11.5px; color: #9fb3d1; font-weight: 600; }
header.top h1 { margin: 6px 0 4px; font-size: 25px; font-weight: 650; color: #fff; }
header.top .lede { margin: 0 0 18px; color: #c3cfe0; max-width: 900px; }
.stats { display: flex; flex-wrap: wrap; gap: 12px; margin-bottom: 16px; }
.stat { background: rgba(255,255,255,.07); border: 1px solid rgba(255,255,255,.14); border-radius: 10px; padding: 10px 16px; min-width: 132px; }
.stat .num { display: block; font-size: 22px; font-weight: 650; color: #fff; font-variant-numeric: tabular-nums; }
.stat .lbl { font-size: 12px; color: #a9b8ce; }
.stat.bad { border-color: #ff8a80; background: rgba(255,90,80,.16); }
.stat.good { border-color: #7ee2a0; background: rgba(60,200,120,.12); }
dl.options { display: flex; flex-wrap: wrap; gap: 6px 8px; margin: 0; }
dl.options div { background: rgba(255,255,255,.06); border-radius: 6px; padding: 3px 10px; font-size: 12.5px; }
dl.options dt { display: inline; color: #9fb3d1; margin-right: 6px; }
dl.options dd { display: inline; margin: 0; color: #fff; }
main { padding: 22px 0 40px; }
section.card { background: var(--card); border: 1px solid var(--line); border-radius: 12px; padding: 20px 22px; margin-bottom: 22px; box-shadow: 0 1px 2px rgba(20,30,50,.04); }
h2 { font-size: 18px; margin: 0 0 4px; }
h3 { font-size: 16px; margin: 0; display: flex; flex-wrap: wrap; align-items: center; gap: 8px; }
h4 { font-size: 13px; margin: 16px 0 6px; color: var(--muted); text-transform: uppercase; letter-spacing: .06em; }
.hint { color: var(--muted); margin: 0 0 14px; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; }
.overview-wrap { display: flex; gap: 24px; align-items: flex-start; flex-wrap: wrap; }
#overview-table { border-collapse: separate; border-spacing: 2px; font-size: 13px; }
#overview-table th { font-weight: 600; padding: 1px 6px; text-align: left; white-space: nowrap; }
#overview-table thead th { text-align: center; color: var(--muted); font-size: 11px; }
#overview-table td.g { width: 22px; height: 20px; text-align: center; border-radius: 4px; font-size: 13px; line-height: 20px; }
#overview-table td.holds { background: var(--holds-bg); color: #1a7f37; }
#overview-table td.holds-open { background: var(--holds-bg); color: #6b8f76; }
#overview-table td.violates { background: var(--violates-bg); color: #c0362c; }
#overview-table td.error, #overview-table td.empty { background: var(--soft); color: var(--muted); }
#overview-table td.disagree { outline: 2px dashed #d4a000; outline-offset: -2px; }
#overview-table tbody tr:first-child th { color: #1a7f37; }
.overview-key { columns: 2; font-size: 12px; color: var(--muted); margin: 0; padding-left: 0; list-style: none; }
.overview-key b { color: var(--ink, inherit); display: inline-block; min-width: 2.4em; }
td.nec { color: #1a7f37; font-weight: 600; }
td.cell .vs { font-size: 12px; color: var(--muted); }
td.unnec { color: #c0362c; font-weight: 600; }
#matrix { width: 100%; border-collapse: separate; border-spacing: 6px; }
#matrix th { text-align: left; vertical-align: bottom; font-weight: 600; padding: 6px 8px; }
#matrix thead th { border-bottom: 2px solid var(--line); }
#matrix .corner { color: var(--muted); font-weight: 500; font-size: 12px; }
.sc-name, .ls-id { font-family: ui-monospace, SFMono-Regular, "DejaVu Sans Mono", Menlo, monospace; font-size: 13.5px; font-weight: 650; }
.sc-title, .ls-title { font-weight: 400; color: var(--muted); font-size: 12.5px; line-height: 1.35; }
.sc-plan { font-weight: 400; color: #8a939d; font-size: 11.5px; }
#matrix tbody th { vertical-align: top; min-width: 210px; max-width: 260px; border-right: 2px solid var(--line); }
.ls-meta { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 6px; }
.seed { font-size: 11.5px; background: var(--soft); color: var(--muted); border-radius: 999px; padding: 1px 8px; font-weight: 500; }
.claim { font-size: 11.5px; background: #e9effa; color: #23468a; border-radius: 999px; padding: 1px 8px; font-weight: 600; }
td.cell { vertical-align: top; border-radius: 10px; padding: 10px 12px; min-width: 200px; border: 1px solid transparent; }
td.cell.holds { background: var(--holds-bg); border-color: #b7e1c4; }
td.cell.violates { background: var(--violates-bg); border-color: #f5c2bd; }
td.cell.error { background: #f3f0f7; border-color: #d9cfe6; }
td.cell.empty { background: var(--soft); color: var(--muted); text-align: center; vertical-align: middle; }
td.cell.disagree { outline: 3px dashed #d4a000; outline-offset: -3px; }
.cell-top { display: flex; align-items: baseline; justify-content: space-between; gap: 10px; }
.eff { font-size: 24px; font-weight: 700; font-variant-numeric: tabular-nums; }
.holds .eff { color: var(--holds); }
.violates .eff { color: var(--violates); }
.verdict { font-size: 11px; font-weight: 700; text-transform: uppercase; letter-spacing: .08em; border-radius: 999px; padding: 2px 9px; color: #fff; }
.holds .verdict { background: var(--holds); }
.violates .verdict { background: var(--violates); }
.error .verdict { background: #6e5494; }
td.cell.inconclusive { background: #fdf6e3; border-color: #ecd9a0; }
.inconclusive .eff { color: #8a6d00; }
.inconclusive .verdict { background: #a07e00; }
.cov.inconclusive::before { content: "? "; color: #a07e00; font-weight: 700; }
.ratio { font-variant-numeric: tabular-nums; font-weight: 600; margin-top: 2px; }
.cov { color: var(--muted); font-size: 12.5px; }
.cov.proven::before { content: "\\2714\\FE0E  "; color: var(--holds); }
.bound { color: var(--muted); font-size: 12px; }
.expect { margin-top: 6px; display: inline-block; font-size: 12px; font-weight: 650; color: var(--warn); background: var(--warn-bg); border-radius: 6px; padding: 1px 8px; }
.expect.as-expected { color: var(--muted); background: transparent; font-weight: 500; padding: 0; }
.ce-link { display: block; margin-top: 6px; font-size: 12.5px; font-weight: 600; }
.legend { display: flex; flex-wrap: wrap; gap: 16px; color: var(--muted); font-size: 12.5px; margin-top: 14px; align-items: center; }
.swatch { display: inline-block; width: 14px; height: 14px; border-radius: 4px; vertical-align: -2px; margin-right: 6px; border: 1px solid transparent; }
.swatch.holds { background: var(--holds-bg); border-color: #8fcfa3; }
.swatch.violates { background: var(--violates-bg); border-color: #eea49c; }
.swatch.disagree { outline: 2px dashed #d4a000; outline-offset: -2px; }
.swatch.sql { background: var(--sql-bg); border-color: var(--sql); }
.swatch.service { background: var(--service-bg); border-color: var(--service); }
.swatch.sleep { background: var(--sleep-bg); border-color: var(--sleep); }
.swatch.err { background: #fff; border: 2px solid var(--violates); }
.swatch.wait { background: none; border: none; border-top: 2px dashed var(--wait); height: 0; border-radius: 0; width: 22px; vertical-align: 3px; }
ul.disagreements { margin: 8px 0 0; padding-left: 20px; }
ul.disagreements li { margin: 4px 0; }
.badge { font-size: 11px; font-weight: 700; text-transform: uppercase; letter-spacing: .07em; border-radius: 999px; padding: 2px 9px; }
.badge.holds { background: var(--holds-bg); color: var(--holds); }
.badge.violates { background: var(--violates-bg); color: var(--violates); }
.badge.disagree { background: var(--warn-bg); color: var(--warn); }
.badge.outcome { background: var(--soft); color: var(--muted); }
section.counterexample .meta { color: var(--muted); margin: 6px 0 12px; }
section.counterexample .meta code { color: var(--ink); background: var(--soft); border-radius: 4px; padding: 1px 5px; }
.timeline-scroll { overflow-x: auto; border: 1px solid var(--line); border-radius: 10px; background: #fff; }
svg.timeline { display: block; font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif; }
svg.timeline .lane-bg { fill: #fff; }
svg.timeline .lane-bg.odd { fill: #f7f8fa; }
svg.timeline .lane-name { font-size: 13.5px; font-weight: 650; fill: var(--ink); }
svg.timeline .lane-index { font-size: 11px; fill: #8a939d; }
svg.timeline .lane-outcome { font-size: 11.5px; font-weight: 650; fill: var(--muted); font-family: ui-monospace, "DejaVu Sans Mono", monospace; }
svg.timeline .outcome-ok { fill: var(--holds); }
svg.timeline .outcome-error { fill: var(--violates); }
svg.timeline .outcome-unfinished { fill: var(--warn); }
svg.timeline .axis-line { stroke: var(--line); stroke-width: 1; }
svg.timeline .axis-caption { font-size: 10.5px; fill: #8a939d; text-transform: uppercase; letter-spacing: .08em; }
svg.timeline .axis-step { font-size: 11px; fill: #8a939d; font-variant-numeric: tabular-nums; }
svg.timeline .axis-time { font-size: 11.5px; font-weight: 650; fill: #23468a; font-family: ui-monospace, "DejaVu Sans Mono", monospace; }
svg.timeline .time-tick { stroke: #9db3da; stroke-width: 1; stroke-dasharray: 3 3; }
svg.timeline .step-box { stroke-width: 1.3; }
svg.timeline .kind-sql .step-box { fill: var(--sql-bg); stroke: var(--sql); }
svg.timeline .kind-sql .step-band { fill: var(--sql); }
svg.timeline .kind-service .step-box { fill: var(--service-bg); stroke: var(--service); }
svg.timeline .kind-service .step-band { fill: var(--service); }
svg.timeline .kind-sleep .step-box, svg.timeline .kind-wake .step-box { fill: var(--sleep-bg); stroke: var(--sleep); }
svg.timeline .kind-sleep .step-band, svg.timeline .kind-wake .step-band { fill: var(--sleep); }
svg.timeline .step.err .step-box { fill: #fff1f0; stroke: var(--violates); stroke-width: 2.4; }
svg.timeline .step.err .step-band { fill: var(--violates); }
svg.timeline .step.waited .step-box { stroke-dasharray: 5 3; }
svg.timeline .step-scope { font-size: 10.5px; fill: var(--muted); }
svg.timeline .step-label { font-size: 12.5px; font-weight: 650; fill: var(--ink); }
svg.timeline .step-result { font-size: 11.5px; fill: #3d444d; font-family: ui-monospace, "DejaVu Sans Mono", monospace; }
svg.timeline .step-result.err { fill: var(--violates); font-weight: 700; }
svg.timeline .step:hover .step-box { filter: drop-shadow(0 2px 4px rgba(20,30,50,.25)); }
svg.timeline .wait-line { fill: none; stroke: var(--wait); stroke-width: 2; stroke-dasharray: 5 3; }
svg.timeline .wait-head { fill: var(--wait); }
svg.timeline .wait-origin { fill: #fff; stroke: var(--wait); stroke-width: 2; }
svg.timeline .wait-label { font-size: 10.5px; fill: var(--wait); font-weight: 650; }
.columns { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1.2fr); gap: 24px; }
@media (max-width: 1000px) { .columns { grid-template-columns: 1fr; } }
ul.violations { list-style: none; margin: 0; padding: 0; }
ul.violations li { border-left: 3px solid var(--violates); background: var(--violates-bg); border-radius: 0 6px 6px 0; padding: 6px 10px; margin-bottom: 6px; }
.inv { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12px; font-weight: 700; color: var(--violates); margin-right: 6px; }
.rows-ref { color: var(--muted); font-size: 12px; margin-left: 4px; }
.params { color: var(--muted); font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 11.5px; margin-top: 2px; }
table.data { width: 100%; font-size: 12.5px; }
table.data th { text-align: left; color: var(--muted); font-weight: 600; border-bottom: 1px solid var(--line); padding: 4px 8px; white-space: nowrap; }
table.data td { border-bottom: 1px solid var(--soft); padding: 4px 8px; vertical-align: top; }
table.data td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.data tr.flagged td { background: #fff8f7; }
table.data tr.flagged td:first-child { box-shadow: inset 3px 0 0 var(--violates); }
.replay { display: flex; align-items: stretch; margin-top: 16px; border: 1px solid #2b3648; border-radius: 8px; overflow: hidden; background: #0f1726; }
.replay .prompt { color: #7f8ea3; padding: 9px 0 9px 12px; font-family: ui-monospace, "DejaVu Sans Mono", monospace; user-select: none; }
.replay code { flex: 1; color: #e6edf7; padding: 9px 12px; overflow-x: auto; white-space: pre; }
.replay button { border: 0; border-left: 1px solid #2b3648; background: #1c2738; color: #d0dbeb; padding: 0 16px; font: 600 12px system-ui, sans-serif; cursor: pointer; min-width: 78px; }
.replay button:hover { background: #26354d; }
.replay button[data-state="copied"] { color: #7ee2a0; }
details.trace { margin-top: 14px; }
details.trace summary { cursor: pointer; color: var(--accent); font-weight: 600; }
details.trace td code { white-space: pre-wrap; word-break: break-word; }
td.err { color: var(--violates); font-weight: 700; }
footer { color: var(--muted); font-size: 12px; padding: 0 0 30px; }
`;

/** The copy buttons: navigator.clipboard where allowed, else select the command for Ctrl+C. Never throws. */
export const REPORT_SCRIPT = `
(function () {
  'use strict';
  function show(button, text) {
    button.textContent = text;
    button.setAttribute('data-state', text);
    window.setTimeout(function () { button.textContent = 'copy'; button.removeAttribute('data-state'); }, 1800);
  }
  function selectCode(button) {
    try {
      var code = button.parentNode && button.parentNode.querySelector('code');
      var selection = window.getSelection && window.getSelection();
      if (!code || !selection) return false;
      var range = document.createRange();
      range.selectNodeContents(code);
      selection.removeAllRanges();
      selection.addRange(range);
      return true;
    } catch (e) {
      return false;
    }
  }
  function fallback(button) {
    var copied = false;
    if (selectCode(button)) {
      try { copied = document.execCommand('copy') === true; } catch (e) { copied = false; }
    }
    show(button, copied ? 'copied' : 'press Ctrl+C');
  }
  document.addEventListener('click', function (event) {
    var target = event.target;
    var button = target && target.closest ? target.closest('button.copy') : null;
    if (!button) return;
    var text = button.getAttribute('data-copy') || '';
    try {
      if (window.isSecureContext && navigator.clipboard && typeof navigator.clipboard.writeText === 'function') {
        navigator.clipboard.writeText(text).then(function () { show(button, 'copied'); }, function () { fallback(button); });
      } else {
        fallback(button);
      }
    } catch (e) {
      fallback(button);
    }
  });
})();
`;
