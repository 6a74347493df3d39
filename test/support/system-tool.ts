// Tools from Debian the tests use beyond npm (Chromium, xmllint). `.ci/run` installs them; on a
// machine without them the tests that need them are skipped with the reason in their title, and
// `npm test` never installs anything itself.
import { execFileSync } from 'node:child_process';

const checked = new Map<string, string | null>();

/** Why `command` cannot run (with the Debian package that provides it), or null when it can. */
export function toolMissing(command: string, debianPackage: string): string | null {
  if (!checked.has(command)) {
    let reason: string | null = null;
    try {
      execFileSync(command, ['--version'], { stdio: 'ignore', timeout: 30_000 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') reason = `${command} is not installed (apt-get install ${debianPackage})`;
    }
    checked.set(command, reason);
  }
  return checked.get(command) ?? null;
}
