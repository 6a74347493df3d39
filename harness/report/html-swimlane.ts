// The swimlane timeline of one counterexample as inline SVG, drawn here in TypeScript so the
// page needs no script to show it: one lane per actor, one box per step in step order, lock waits as arrows.
import type { Counterexample } from '../run/index.ts';
import type { TraceStep } from '../sched/index.ts';
import { actorName, actorOutcomeTag, isErrorResult, truncate } from './cell-wording.ts';
import { escapeAttr, escapeText } from './markup-escape.ts';
import { paramsText } from './text-trace.ts';

const GUTTER = 176;
const COL = 132;
const BOX_W = 120;
// Room for text inside a box, and the rough glyph widths of its three lines (px) for fitting.
const TEXT_ROOM = BOX_W - 18;
const GLYPH = { scope: 6.1, label: 7.4, result: 7 } as const;
const BOX_H = 56;
const AXIS_H = 50;
const LANE_H = 80;
const PAD_RIGHT = 20;
const PAD_BOTTOM = 8;

/** Renders `<svg class="timeline">`; `uid` keeps element ids unique when a page holds several. */
export function renderSwimlane(ce: Counterexample, uid: string): string {
  const laneCount = ce.trace.reduce((n, s) => Math.max(n, s.actor + 1), ce.actors.length);
  const width = GUTTER + Math.max(1, ce.trace.length) * COL + PAD_RIGHT;
  const height = AXIS_H + laneCount * LANE_H + PAD_BOTTOM;
  const arrowId = `wait-arrow-${uid}`;
  const out: string[] = [];
  out.push(
    `<svg class="timeline" role="img" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
      `aria-label="${escapeAttr(`Timeline of ${ce.trace.length} steps over ${laneCount} actors`)}">`,
  );
  out.push(
    `<defs><marker id="${arrowId}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse">` +
      `<path d="M0,0 L10,5 L0,10 z" class="wait-head"/></marker></defs>`,
  );
  for (let lane = 0; lane < laneCount; lane++) out.push(laneGroup(ce, lane, width));
  out.push(axis(ce.trace, height));
  ce.trace.forEach((step, i) => out.push(stepGroup(ce, step, i)));
  ce.trace.forEach((step, i) => out.push(...waitArrows(ce, step, i, arrowId)));
  out.push('</svg>');
  return out.join('\n');
}

function laneTop(lane: number): number {
  return AXIS_H + lane * LANE_H;
}

function colLeft(i: number): number {
  return GUTTER + i * COL;
}

function laneGroup(ce: Counterexample, lane: number, width: number): string {
  const y = laneTop(lane);
  const name = actorName(ce, lane);
  const outcome = ce.actors[lane]?.outcome;
  const tag = outcome ? actorOutcomeTag(outcome) : '';
  const tagClass = outcome ? `lane-outcome outcome-${outcome.status}` : 'lane-outcome';
  return (
    `<g class="lane" data-actor="${lane}">` +
    `<rect class="lane-bg${lane % 2 === 1 ? ' odd' : ''}" x="0" y="${y}" width="${width}" height="${LANE_H}"/>` +
    `<text class="lane-name" x="14" y="${y + 30}">${escapeText(truncate(name, 20))}<title>${escapeText(name)}</title></text>` +
    `<text class="lane-index" x="14" y="${y + 48}">actor ${lane}</text>` +
    (tag ? `<text class="${tagClass}" x="14" y="${y + 64}">${escapeText(tag)}</text>` : '') +
    `</g>`
  );
}

/** Step numbers on every column; the virtual time printed where it starts and wherever it moves. */
function axis(trace: readonly TraceStep[], height: number): string {
  const out: string[] = ['<g class="axis">'];
  out.push(`<line class="axis-line" x1="${GUTTER}" y1="${AXIS_H - 1}" x2="${colLeft(trace.length)}" y2="${AXIS_H - 1}"/>`);
  out.push(`<text class="axis-caption" x="14" y="18">virtual time</text>`);
  out.push(`<text class="axis-caption" x="14" y="${AXIS_H - 10}">step</text>`);
  trace.forEach((s, i) => {
    const x = colLeft(i);
    out.push(`<text class="axis-step" x="${x + COL / 2}" y="${AXIS_H - 10}" text-anchor="middle">#${s.step}</text>`);
    const prev = trace[i - 1];
    if (i === 0 || (prev && prev.at !== s.at)) {
      out.push(`<line class="time-tick" x1="${x}" y1="8" x2="${x}" y2="${height - PAD_BOTTOM}"/>`);
      out.push(`<text class="axis-time" x="${x + 5}" y="18">t=${s.at}ms</text>`);
    }
  });
  out.push('</g>');
  return out.join('');
}

function stepGroup(ce: Counterexample, step: TraceStep, i: number): string {
  const x = colLeft(i) + (COL - BOX_W) / 2;
  const y = laneTop(step.actor) + (LANE_H - BOX_H) / 2;
  const err = isErrorResult(step.result);
  const [scope, action] = splitLabel(step.label, step.kind);
  const classes = ['step', `kind-${step.kind}`, ...(err ? ['err'] : []), ...(step.waitedOn.length > 0 ? ['waited'] : [])];
  return (
    `<g class="${classes.join(' ')}" data-step="${step.step}" data-actor="${step.actor}" transform="translate(${x},${y})">` +
    `<title>${escapeText(tooltip(ce, step))}</title>` +
    `<rect class="step-box" width="${BOX_W}" height="${BOX_H}" rx="7"/>` +
    `<rect class="step-band" width="4" height="${BOX_H}" rx="2"/>` +
    `<text class="step-scope" x="12" y="16"${fit(scope, GLYPH.scope)}>${escapeText(truncate(scope, 24))}</text>` +
    `<text class="step-label" x="12" y="32"${fit(action, GLYPH.label)}>${escapeText(truncate(action, 20))}</text>` +
    `<text class="step-result${err ? ' err' : ''}" x="12" y="48"${fit(step.result, GLYPH.result)}>${escapeText(truncate(step.result, 20))}</text>` +
    `</g>`
  );
}

/** An arrow from the blocking actor's lane to the step that waited on its lock. */
function waitArrows(ce: Counterexample, step: TraceStep, i: number, arrowId: string): string[] {
  const cx = colLeft(i) + COL / 2;
  const boxTop = laneTop(step.actor) + (LANE_H - BOX_H) / 2;
  return step.waitedOn
    .filter((blocker) => blocker !== step.actor)
    .map((blocker) => {
      const from = laneTop(blocker) + LANE_H / 2;
      const below = blocker > step.actor;
      const to = below ? boxTop + BOX_H + 2 : boxTop - 2;
      const bend = below ? -18 : 18;
      const title = `step #${step.step} (${actorName(ce, step.actor)}) waited on a lock held by ${actorName(ce, blocker)}`;
      return (
        `<g class="wait" data-step="${step.step}" data-blocker="${blocker}"><title>${escapeText(title)}</title>` +
        `<circle class="wait-origin" cx="${cx}" cy="${from}" r="5"/>` +
        `<text class="wait-label" x="${cx}" y="${from - 11}" text-anchor="middle">holds lock</text>` +
        `<path class="wait-line" d="M${cx},${from} C${cx + 22},${from + bend} ${cx + 22},${to - bend} ${cx},${to}" marker-end="url(#${arrowId})"/>` +
        `</g>`
      );
    });
}

/** Squeezes a line that would overflow its box (SVG has no text wrapping); short lines keep their glyphs. */
function fit(line: string, glyph: number): string {
  const estimated = Math.min(line.length, 20) * glyph;
  return estimated > TEXT_ROOM ? ` textLength="${TEXT_ROOM}" lengthAdjust="spacingAndGlyphs"` : '';
}

/** `createPosition:check` → scope `createPosition`, action `check`; `updatePosition(active)` likewise. */
function splitLabel(label: string, kind: string): [string, string] {
  const colon = label.lastIndexOf(':');
  if (colon > 0) return [label.slice(0, colon), label.slice(colon + 1)];
  const paren = label.indexOf('(');
  if (paren > 0 && label.endsWith(')')) return [label.slice(0, paren), label.slice(paren + 1, -1)];
  return [kind, label];
}

function tooltip(ce: Counterexample, step: TraceStep): string {
  const lines = [`#${step.step} ${actorName(ce, step.actor)} · ${step.label}`, `t=${step.at}ms · ${step.kind}`, step.detail, ...(step.values ? [paramsText(step.values)] : []), `→ ${step.result}`];
  if (step.waitedOn.length > 0) lines.push(`waited on: ${step.waitedOn.map((a) => actorName(ce, a)).join(', ')}`);
  return lines.join('\n');
}
