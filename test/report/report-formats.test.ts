// The format registry: names parse (or fail naming the valid ones), and writeReports writes each file.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HarnessError } from '../../harness/errors/index.ts';
import { REPORT_FORMATS, REPORT_FORMAT_NAMES, parseFormats, writeReports } from '../../harness/report/index.ts';
import { sampleResult } from './sample-result.ts';

function thrown(fn: () => unknown): HarnessError {
  try {
    fn();
  } catch (e) {
    if (e instanceof HarnessError) return e;
    throw e;
  }
  throw new Error('expected a HarnessError');
}

describe('REPORT_FORMATS', () => {
  it('maps each format to its file', () => {
    expect(REPORT_FORMAT_NAMES).toEqual(['json', 'md', 'junit', 'html']);
    expect(Object.fromEntries(REPORT_FORMAT_NAMES.map((f) => [f, REPORT_FORMATS[f].fileName]))).toEqual({
      json: 'results.json',
      md: 'summary.md',
      junit: 'junit.xml',
      html: 'report.html',
    });
    expect(REPORT_FORMATS.junit.extension).toBe('xml');
  });
});

describe('parseFormats', () => {
  it('parses a comma-separated list in the given order, trimming and dropping duplicates', () => {
    expect(parseFormats('html, json,html')).toEqual(['html', 'json']);
    expect(parseFormats('junit')).toEqual(['junit']);
    expect(parseFormats('all')).toEqual(['json', 'md', 'junit', 'html']);
  });

  it('rejects an unknown format with E_UNKNOWN_FORMAT naming the valid ones', () => {
    const e = thrown(() => parseFormats('json,pdf'));
    expect(e.code).toBe('E_UNKNOWN_FORMAT');
    expect(e.message).toBe("unknown report format 'pdf'; valid formats: json, md, junit, html (or all)");
  });

  it('rejects an empty list and names that only exist on Object.prototype', () => {
    expect(thrown(() => parseFormats(' , ')).message).toBe('no report format given; valid formats: json, md, junit, html (or all)');
    expect(thrown(() => parseFormats('toString')).code).toBe('E_UNKNOWN_FORMAT');
  });
});

describe('writeReports', () => {
  it('creates the directory and writes each chosen format, returning the paths', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'report-formats-'));
    try {
      const out = join(dir, 'nested', 'reports');
      const paths = await writeReports(sampleResult, ['json', 'md', 'junit', 'html'], out);
      expect(paths).toEqual(['results.json', 'summary.md', 'junit.xml', 'report.html'].map((f) => join(out, f)));
      for (const format of REPORT_FORMAT_NAMES) {
        const path = join(out, REPORT_FORMATS[format].fileName);
        expect(await readFile(path, 'utf8')).toBe(REPORT_FORMATS[format].render(sampleResult));
      }
      expect(await writeReports(sampleResult, [], out)).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
