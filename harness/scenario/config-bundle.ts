// A configuration file loaded as one bundle (what Vite does with vite.config.ts): esbuild joins it
// and the project files it imports into one ES module, without a module loader, and says which
// files went in and which packages it imports, so an answer computed from the configuration can
// be kept until one of them changes.
import { existsSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { HarnessError } from '../errors/index.ts';

export interface BundledModule {
  readonly module: unknown;
  /** Absolute paths of the project files in the bundle, the configuration first. */
  readonly inputs: readonly string[];
  /** The package.json (real path) of each package the bundle imports, where it could be found. */
  readonly packages: readonly string[];
}

/** The bundle could not be made or its imports not resolved: load the file the usual way instead. */
export class BundleUnavailable extends HarnessError {}

const BUILTINS = new Set(builtinModules);

/** `lodash/fp` → `lodash`, `@scope/pkg/x` → `@scope/pkg`; null for a builtin or a path. */
function packageName(specifier: string): string | null {
  if (specifier.startsWith('node:') || specifier.startsWith('.') || specifier.startsWith('/') || BUILTINS.has(specifier.split('/')[0] ?? '')) return null;
  const parts = specifier.split('/');
  return (specifier.startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1)).join('/');
}

/** The package.json Node would find for `name` from `dir` (node_modules up the tree), its real path. */
function packageJsonOf(name: string, dir: string): string | null {
  for (let d = dir; ; d = dirname(d)) {
    const candidate = join(d, 'node_modules', name, 'package.json');
    if (existsSync(candidate)) return realpathSync(candidate);
    if (dirname(d) === d) return null;
  }
}

/**
 * Imports `file` bundled. The bundle is written into `outDir` (a cache directory inside the
 * project's node_modules, so packages resolve as from the file; default: beside the file) and
 * removed once imported; a project file's `import.meta.url` becomes the bundle's.
 * BundleUnavailable when esbuild cannot bundle it or a package it imports cannot be resolved from
 * there; an error of the configuration's own code is thrown as it is (it ran once, it is not retried).
 */
export async function importBundled(file: string, outDir = dirname(file)): Promise<BundledModule> {
  const dir = dirname(file);
  let code: string;
  let metafile: { inputs: Record<string, { imports: readonly { path: string; external?: boolean }[] }> };
  try {
    const { build } = await import('esbuild');
    const result = await build({
      entryPoints: [file],
      absWorkingDir: dir,
      bundle: true,
      packages: 'external',
      platform: 'node',
      format: 'esm',
      target: `node${process.versions.node}`,
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    code = result.outputFiles[0]?.text ?? '';
    metafile = result.metafile;
  } catch (e) {
    throw new BundleUnavailable('E_BAD_SCENARIO', `${file}: esbuild cannot bundle it: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  // A name of its own per process, so two commands at once do not meet.
  const bundle = join(outDir, `${file.split(/[\\/]/).pop() ?? 'config'}.timestamp-${Date.now()}-${process.pid}.mjs`);
  let module: unknown;
  try {
    writeFileSync(bundle, code);
    module = await import(pathToFileURL(bundle).href);
  } catch (e) {
    const why = (e as { code?: unknown } | null)?.code;
    if (why === 'ERR_MODULE_NOT_FOUND' || why === 'ERR_UNSUPPORTED_DIR_IMPORT' || why === 'ENOENT' || why === 'EACCES' || why === 'EROFS') {
      throw new BundleUnavailable('E_BAD_SCENARIO', `${file}: its bundle cannot be imported: ${(e as Error).message}`, { cause: e });
    }
    throw e;
  } finally {
    rmSync(bundle, { force: true });
  }
  const inputs = Object.keys(metafile.inputs).map((p) => resolve(dir, p));
  const names = new Set<string>();
  for (const input of Object.values(metafile.inputs)) {
    for (const imported of input.imports) {
      const name = imported.external ? packageName(imported.path) : null;
      if (name) names.add(name);
    }
  }
  const packages = [...names].flatMap((n) => packageJsonOf(n, dir) ?? []);
  return { module, inputs: [file, ...inputs.filter((p) => p !== file)], packages };
}
