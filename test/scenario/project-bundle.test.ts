// writeProjectBundle: what it bundles, what it refuses (code that would resolve from the cache's
// place otherwise than from its own file), and the harness's sources as the compiled modules.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { BundleUnavailable, writeProjectBundle } from '../../harness/scenario/index.ts';

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A project with node_modules, `files` written in it; the bundle goes to its cache. */
function project(files: Readonly<Record<string, string>>): { dir: string; out: string } {
  const dir = mkdtempSync(join(tmpdir(), 'prh-project-bundle-'));
  made.push(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'my-project', type: 'module' }));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  const out = join(dir, 'node_modules', '.cache', 'bundles', 'one');
  mkdirSync(out, { recursive: true });
  return { dir, out };
}

const refusal = async (files: Readonly<Record<string, string>>): Promise<string> => {
  const { dir, out } = project(files);
  try {
    await writeProjectBundle([join(dir, 'a.ts')], dir, out);
    return 'bundled';
  } catch (e) {
    expect(e).toBeInstanceOf(BundleUnavailable);
    return (e as Error).message;
  }
};

describe('writeProjectBundle', () => {
  it('refuses an import() of a computed path, require and import.meta.resolve, and not what only looks like them', async () => {
    expect(await refusal({ 'a.ts': 'const n = "./b.ts";\nexport const b = () => import(n);\n' })).toMatch(/an import\(\) of a computed path/);
    expect(await refusal({ 'a.ts': 'export const sep = require("node:path").sep;\n' })).toMatch(/require\(\)/);
    expect(await refusal({ 'a.ts': 'export const b = import.meta.resolve("./b.ts");\n' })).toMatch(/import\.meta\.resolve/);
    // A literal import(), a method named import, a call of one: bundled.
    expect(await refusal({ 'a.ts': 'export const b = () => import("./b.ts");\nconst rows = { import(list: string[]) { return list.length; } };\nexport const n = rows.import(["x"]);\n', 'b.ts': 'export const x = 1;\n' })).toBe('bundled');
  });

  it('refuses a package the cache would find elsewhere than the file does, and the project importing itself by name', async () => {
    const nested = {
      'node_modules/dep/package.json': JSON.stringify({ name: 'dep', type: 'module', main: 'index.js' }),
      'node_modules/dep/index.js': 'export const where = "root";\n',
      'sub/node_modules/dep/package.json': JSON.stringify({ name: 'dep', type: 'module', main: 'index.js' }),
      'sub/node_modules/dep/index.js': 'export const where = "nested";\n',
      'a.ts': 'export { where } from "./sub/b.ts";\n',
      'sub/b.ts': 'export { where } from "dep";\n',
    };
    expect(await refusal(nested)).toMatch(/imports dep, which resolves elsewhere/);
    expect(await refusal({ ...nested, 'sub/b.ts': 'export const where = "none";\n', 'a.ts': 'import { where } from "dep";\nexport { where };\n' })).toBe('bundled');
    expect(await refusal({ 'a.ts': 'export { x } from "my-project/lib";\n' })).toMatch(/its own package my-project/);
  });

  it('names every entry as it was asked for, two links to one file too', async () => {
    const { dir, out } = project({ 'real/s.ts': 'export const s = 1;\n' });
    symlinkSync(join(dir, 'real', 's.ts'), join(dir, 'a.ts'));
    symlinkSync(join(dir, 'real', 's.ts'), join(dir, 'b.ts'));
    const built = await writeProjectBundle([join(dir, 'a.ts'), join(dir, 'b.ts')], dir, out);
    expect([...built.outputs.keys()].sort()).toEqual([join(dir, 'a.ts'), join(dir, 'b.ts')]);
  });

  it('makes an import of the harness sources, by any form of specifier, the compiled module', async () => {
    const { dir, out } = project({
      'checkout/harness/x/index.ts': 'export const x = "source";\n',
      'checkout/dist/x/index.js': 'export const x = "compiled";\n',
      'a.ts': 'export { x } from "./checkout/harness/x/index.ts";\nexport { x as y } from "./checkout/harness/x/index.js";\nexport { x as z } from "./checkout/harness/x";\n',
    });
    const built = await writeProjectBundle([join(dir, 'a.ts')], dir, out, { sources: join(dir, 'checkout', 'harness'), compiled: join(dir, 'checkout', 'dist') });
    const code = readFileSync(built.outputs.get(join(dir, 'a.ts')) ?? '', 'utf8');
    expect(code).not.toContain('"source"');
    expect(code).toContain(pathToFileURL(join(dir, 'checkout', 'dist', 'x', 'index.js')).href);
    expect(built.inputs.map((i) => i.path)).toEqual([join(dir, 'a.ts')]);
  });
});
