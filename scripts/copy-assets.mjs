// Part of `npm run build`: the files the compiled harness reads at run time that tsc does not
// emit (the Python runner the gate starts), copied beside their compiled modules in dist/; and
// the build's stamp, which tells a resident process of another build from this one's.
import { randomBytes } from 'node:crypto';
import { cpSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const runners = join('harness', 'gate', 'runners');
for (const file of readdirSync(runners).filter((f) => !f.endsWith('.ts'))) {
  cpSync(join(runners, file), join('dist', 'gate', 'runners', file));
}
writeFileSync(join('dist', 'build-stamp'), `${randomBytes(8).toString('hex')}\n`);
