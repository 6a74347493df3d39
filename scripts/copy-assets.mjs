// Part of `npm run build`: the files the compiled harness reads at run time that tsc does not
// emit (the Python runner the gate starts), copied beside their compiled modules in dist/.
import { cpSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const runners = join('harness', 'gate', 'runners');
for (const file of readdirSync(runners).filter((f) => !f.endsWith('.ts'))) {
  cpSync(join(runners, file), join('dist', 'gate', 'runners', file));
}
