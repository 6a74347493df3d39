// `npm run build`: tsc compiles harness/ into dist/; then the files the compiled harness reads at
// run time that tsc does not emit (the Python runner the gate starts) are copied beside their
// modules, with the build's stamp (which tells a resident process of another build from this
// one's) and the sources' stamp taken before tsc read them (bin/race.mjs runs dist/ in a checkout
// only while the sources are still those).
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { SOURCE_STAMP_FILE, sourceStamp } from '../bin/source-stamp.mjs';

const stampFile = join('dist', SOURCE_STAMP_FILE);
const sources = sourceStamp('.');
// While tsc writes, dist/ is no build of anything: a command started meanwhile runs the sources.
rmSync(stampFile, { force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const compiled = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
if (compiled.status !== 0) process.exit(compiled.status ?? 1);

const runners = join('harness', 'gate', 'runners');
for (const file of readdirSync(runners).filter((f) => !f.endsWith('.ts') && f !== '__pycache__')) {
  cpSync(join(runners, file), join('dist', 'gate', 'runners', file));
}
mkdirSync('dist', { recursive: true });
writeFileSync(join('dist', 'build-stamp'), `${randomBytes(8).toString('hex')}\n`);
// Written last, whole (a rename): a build that failed halfway leaves dist/ looking stale, not fresh.
writeFileSync(`${stampFile}.tmp`, sources);
renameSync(`${stampFile}.tmp`, stampFile);
