// A configuration file loaded as one bundle (what Vite does with vite.config.ts): esbuild joins it
// and the project files it imports into one ES module, without a module loader, and says which
// files went in and which packages it imports, so an answer computed from the configuration can
// be kept until one of them changes. Each file keeps its own import.meta.url.
import { existsSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { dirname, extname, join, resolve, sep } from 'node:path';
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
/** What `import.meta.url` of a project file becomes in the bundle: a constant of that file's own. */
const ORIGINAL_URL = '__prh_original_import_meta_url';
const LOADERS: Readonly<Record<string, 'ts' | 'tsx' | 'js' | 'jsx'>> = { '.ts': 'ts', '.mts': 'ts', '.cts': 'ts', '.tsx': 'tsx', '.js': 'js', '.mjs': 'js', '.cjs': 'js', '.jsx': 'jsx' };

/** `lodash/fp` → `lodash`, `@scope/pkg/x` → `@scope/pkg`; null for a builtin or a path. */
function packageName(specifier: string): string | null {
  if (specifier.startsWith('node:') || specifier.startsWith('.') || specifier.startsWith('/') || BUILTINS.has(specifier.split('/')[0] ?? '')) return null;
  const parts = specifier.split('/');
  return (specifier.startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1)).join('/');
}

/** Whether the nearest package.json above `dir` says "type": "module". */
function inModulePackage(dir: string): boolean {
  for (let d = dir; ; d = dirname(d)) {
    const pkg = join(d, 'package.json');
    if (existsSync(pkg)) {
      try {
        return (JSON.parse(readFileSync(pkg, 'utf8')) as { type?: unknown }).type === 'module';
      } catch {
        return false;
      }
    }
    if (dirname(d) === d) return false;
  }
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
 * removed once imported; a project file's `import.meta.url` stays its own.
 * BundleUnavailable when esbuild cannot bundle it or a package it imports cannot be resolved from
 * there; an error of the configuration's own code is thrown as it is (it ran once, it is not retried).
 */
export async function importBundled(file: string, outDir = dirname(file)): Promise<BundledModule> {
  const dir = dirname(file);
  // Node loads a .ts or .js file of a package without "type": "module" as CommonJS; the bundle,
  // an ES module, would load where the file itself might not: leave it to the usual loader.
  if (/\.(?:[jt]sx?)$/.test(file) && !inModulePackage(dir)) throw new BundleUnavailable('E_BAD_SCENARIO', `${file}: its package is not "type": "module"`);
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
      // Each project file keeps its own import.meta.url (as Vite does for its configuration), so
      // a path it resolves against it (a schema file beside it) is the same as when run unbundled.
      define: { 'import.meta.url': ORIGINAL_URL },
      plugins: [
        {
          name: 'original-import-meta-url',
          setup(b) {
            b.onLoad({ filter: /\.[cm]?[jt]sx?$/ }, async (args) => {
              if (args.path.includes(`${sep}node_modules${sep}`)) return undefined;
              const contents = `const ${ORIGINAL_URL} = ${JSON.stringify(pathToFileURL(args.path).href)};\n${await readFile(args.path, 'utf8')}`;
              return { contents, loader: LOADERS[extname(args.path)] ?? 'ts', resolveDir: dirname(args.path) };
            });
          },
        },
      ],
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
    try {
      writeFileSync(bundle, code);
    } catch (e) {
      throw new BundleUnavailable('E_BAD_SCENARIO', `${file}: its bundle cannot be written to ${outDir}: ${(e as Error).message}`, { cause: e });
    }
    try {
      module = await import(pathToFileURL(bundle).href);
    } catch (e) {
      // A package that does not resolve from the bundle's place; any other error is the file's own.
      const why = (e as { code?: unknown } | null)?.code;
      if (why !== 'ERR_MODULE_NOT_FOUND' && why !== 'ERR_UNSUPPORTED_DIR_IMPORT') throw e;
      throw new BundleUnavailable('E_BAD_SCENARIO', `${file}: its bundle cannot be imported: ${(e as Error).message}`, { cause: e });
    }
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
