// The report formats as one typed registry (STYLE section 6): the CLI lists valid names from it,
// `parseFormats` turns `--formats json,html` into entries, `writeReports` writes each file.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HarnessError } from '../errors/index.ts';
import type { RunResult } from '../run/index.ts';
import { renderHtml } from './html-renderer.ts';
import { renderJson } from './json-renderer.ts';
import { renderJunit } from './junit-renderer.ts';
import { renderMarkdown } from './markdown-renderer.ts';

export interface ReportFormatDefinition {
  readonly extension: string;
  /** The file written into the output directory. */
  readonly fileName: string;
  readonly render: (result: RunResult) => string;
}

export const REPORT_FORMATS = {
  json: { extension: 'json', fileName: 'results.json', render: renderJson },
  md: { extension: 'md', fileName: 'summary.md', render: renderMarkdown },
  junit: { extension: 'xml', fileName: 'junit.xml', render: renderJunit },
  html: { extension: 'html', fileName: 'report.html', render: renderHtml },
} as const satisfies Record<string, ReportFormatDefinition>;

export type ReportFormat = keyof typeof REPORT_FORMATS;

/** Every format name, in registry order. */
export const REPORT_FORMAT_NAMES = Object.keys(REPORT_FORMATS) as ReportFormat[];

/**
 * Parses a comma-separated list (`json,md`, or `all`) into formats, without duplicates.
 * Throws HarnessError E_UNKNOWN_FORMAT naming the valid formats for an unknown or empty list.
 */
export function parseFormats(list: string): ReportFormat[] {
  const names = list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const valid = `${REPORT_FORMAT_NAMES.join(', ')} (or all)`;
  if (names.length === 0) throw new HarnessError('E_UNKNOWN_FORMAT', `no report format given; valid formats: ${valid}`);
  const out: ReportFormat[] = [];
  for (const name of names) {
    const formats = name === 'all' ? REPORT_FORMAT_NAMES : isReportFormat(name) ? [name] : null;
    if (!formats) throw new HarnessError('E_UNKNOWN_FORMAT', `unknown report format '${name}'; valid formats: ${valid}`);
    for (const f of formats) if (!out.includes(f)) out.push(f);
  }
  return out;
}

export function isReportFormat(name: string): name is ReportFormat {
  return Object.hasOwn(REPORT_FORMATS, name);
}

/** Renders each format into `outDir` (created if missing); returns the written paths in order. */
export async function writeReports(result: RunResult, formats: readonly ReportFormat[], outDir: string): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const written: string[] = [];
  for (const format of formats) {
    const def = REPORT_FORMATS[format];
    const path = join(outDir, def.fileName);
    await writeFile(path, def.render(result), 'utf8');
    written.push(path);
  }
  return written;
}
