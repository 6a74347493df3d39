// Public face of harness/report: RunResult → json, md, junit, html. Renderers read only the
// result model; the registry map names the formats the CLI offers.
export { renderHtml } from './html-renderer.ts';
export { renderJson } from './json-renderer.ts';
export { renderJunit } from './junit-renderer.ts';
export { renderMarkdown } from './markdown-renderer.ts';
export { REPORT_FORMATS, REPORT_FORMAT_NAMES, isReportFormat, parseFormats, writeReports } from './report-formats.ts';
export type { ReportFormat, ReportFormatDefinition } from './report-formats.ts';
export { coverageText } from './cell-wording.ts';
export { resultGrid } from './result-grid.ts';
export type { ResultGrid } from './result-grid.ts';
export { renderReplayText, renderTraceText, resultText } from './text-trace.ts';
export type { TraceView } from './text-trace.ts';
