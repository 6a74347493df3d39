// Drives Debian's headless Chromium from the command line (no browser driver package needed):
// DOM dumps, screenshots, and the console messages a page logged. A missing Chromium is a failure.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const CHROMIUM = process.env['CHROMIUM_BIN'] ?? '/usr/bin/chromium';

/** Throws, with the install command, when Chromium is not there: CI installs it, so its absence is a failure. */
export function requireChromium(): string {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`headless Chromium not found at ${CHROMIUM}: install it (Debian: apt-get update && apt-get install -y chromium) or set CHROMIUM_BIN`);
  }
  return CHROMIUM;
}

export interface ChromiumRun {
  readonly stdout: string;
  /** Chromium's own log, console messages of the page included. */
  readonly stderr: string;
}

/** Opens `file` with extra flags (`--dump-dom`, `--screenshot=...`) in a throwaway profile. */
export async function runChromium(file: string, flags: readonly string[]): Promise<ChromiumRun> {
  const bin = requireChromium();
  const profile = await mkdtemp(join(tmpdir(), 'report-chromium-'));
  const args = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-dev-shm-usage',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--hide-scrollbars',
    `--user-data-dir=${profile}`,
    '--enable-logging=stderr',
    '--v=0',
    ...flags,
    pathToFileURL(file).href,
  ];
  try {
    return await new Promise<ChromiumRun>((resolve, reject) => {
      execFile(bin, args, { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
        if (error) reject(new Error(`chromium failed (${error.message}):\n${stderr}`));
        else resolve({ stdout, stderr });
      });
    });
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
}

/**
 * The page's console messages from Chromium's log (`INFO:CONSOLE... "text", source: ...`); uncaught
 * errors and CSP refusals land there too. Chromium logs every console level alike, so a page
 * that should log nothing is checked for an empty list.
 */
export function consoleMessages(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line.includes(':CONSOLE') || line.includes('Uncaught'));
}
