// A configuration file loaded as one bundle (what Vite does with vite.config.ts): esbuild joins it
// and the project files it imports into one ES module, without a module loader, and says exactly
// what went in (each file with the hash of the content it read) and which packages it imports,
// so an answer computed from the configuration can be kept until one of them changes. Each file
// keeps its own import.meta.url, dirname and filename.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Plugin } from 'esbuild';
import { pathToFileURL } from 'node:url';
import { HarnessError } from '../errors/index.ts';

export interface BundledModule {
  readonly module: unknown;
  /** The project files in the bundle (the configuration first), each with the sha1 of what esbuild read. */
  readonly inputs: readonly { readonly path: string; readonly sha1: string }[];
  /** The package.json (real path) of each package the bundle imports, where it could be found. */
  readonly packages: readonly string[];
  /** package.json, tsconfig.json and jsconfig.json wherever esbuild may have looked for one (present or not). */
  readonly settings: readonly string[];
  /**
   * Why what the module computes may depend on more than these files (it reads the environment or
   * files, imports by a computed path, or uses a package linked from outside node_modules); null if not.
   */
  readonly dynamic: string | null;
}

/** The bundle could not be made or its imports not resolved: load the file the usual way instead. */
export class BundleUnavailable extends HarnessError {}

const BUILTINS = new Set(builtinModules);
/** What import.meta.url / dirname / filename of a project file become in the bundle: constants of its own. */
const ORIGINAL = { url: '__prh_original_url', dirname: '__prh_original_dirname', filename: '__prh_original_filename' } as const;
const LOADERS: Readonly<Record<string, 'ts' | 'tsx' | 'js' | 'jsx'>> = { '.ts': 'ts', '.mts': 'ts', '.tsx': 'tsx', '.js': 'js', '.mjs': 'js', '.jsx': 'jsx' };
const SETTINGS_FILES = ['package.json', 'tsconfig.json', 'jsconfig.json'];
/** What makes a module's result depend on more than its source: a read of the environment or of files, a computed import, require. */
const DYNAMIC = /process\.env|\bimport\s*\(|createRequire|\brequire\s*\(|\b(?:readFile|readFileSync|readdir|readdirSync|existsSync|statSync|opendir|opendirSync|readlink)\b/;

/** `lodash/fp` → `lodash`, `@scope/pkg/x` → `@scope/pkg`; null for a builtin or a path. */
function packageName(specifier: string): string | null {
  if (specifier.startsWith('node:') || specifier.startsWith('file:') || specifier.startsWith('.') || specifier.startsWith('/') || BUILTINS.has(specifier.split('/')[0] ?? '')) return null;
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

/** Whether Node would load `file` as an ES module: .mjs/.mts, or .js/.ts in a package with "type": "module". */
function loadsAsModule(file: string): boolean {
  const ext = extname(file);
  if (ext === '.mjs' || ext === '.mts') return true;
  if (ext === '.cjs' || ext === '.cts') return false;
  return nearestPackage(dirname(file))?.type === 'module';
}

/** The package.json nearest at or above `dir`, read; null without one (or one that does not parse). */
function nearestPackage(dir: string): { readonly type?: unknown; readonly name?: unknown } | null {
  for (let d = dir; ; d = dirname(d)) {
    const pkg = join(d, 'package.json');
    if (existsSync(pkg)) {
      try {
        return JSON.parse(readFileSync(pkg, 'utf8')) as { type?: unknown; name?: unknown };
      } catch {
        return null;
      }
    }
    if (dirname(d) === d) return null;
  }
}

/** Every settings file esbuild or Node may read for files in `dirs`: each directory up to the root. */
function settingsAround(dirs: Iterable<string>): string[] {
  const seen = new Set<string>();
  for (const start of dirs) {
    for (let d = start; !seen.has(d); d = dirname(d)) {
      seen.add(d);
      if (dirname(d) === d) break;
    }
  }
  return [...seen].flatMap((d) => SETTINGS_FILES.map((f) => join(d, f)));
}

/** The settings files and every file a tsconfig.json or jsconfig.json among them extends, by a path (esbuild reads them all). */
function withExtends(settings: readonly string[]): string[] {
  const all = new Set(settings);
  const pending = settings.filter((f) => !f.endsWith('package.json'));
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    // JSON with comments: the "extends" value is read as written (a string or a list of strings).
    const value = /"extends"\s*:\s*("(?:[^"\\]|\\.)*"|\[[^\]]*\])/.exec(text)?.[1] ?? '';
    for (const [, target] of value.matchAll(/"((?:[^"\\]|\\.)*)"/g)) {
      if (target === undefined || !(target.startsWith('.') || isAbsolute(target))) continue;
      const path = resolve(dirname(file), target);
      for (const candidate of path.endsWith('.json') ? [path] : [path, `${path}.json`]) {
        if (all.has(candidate)) continue;
        all.add(candidate);
        pending.push(candidate);
      }
    }
  }
  return [...all];
}

/**
 * Imports `file` bundled. The bundle is written into `outDir` (a cache directory inside the
 * project's node_modules, so packages resolve as from the file) and removed once imported.
 * BundleUnavailable when esbuild cannot bundle it, a file of it would load as CommonJS, the bundle
 * cannot be written, or a package it imports cannot be resolved from there; an error of the
 * configuration's own code is thrown as it is (it ran once, it is not retried).
 */
export async function importBundled(file: string, outDir: string): Promise<BundledModule> {
  const { code, metafile, read } = await bundle([file], dirname(file));
  // A name of its own per process, so two commands at once do not meet.
  const written = join(outDir, `${file.split(/[\\/]/).pop() ?? 'config'}.timestamp-${Date.now()}-${process.pid}.mjs`);
  let module: unknown;
  try {
    try {
      writeFileSync(written, code);
    } catch (e) {
      throw new BundleUnavailable('E_BAD_SCENARIO', `${file}: its bundle cannot be written to ${outDir}: ${(e as Error).message}`, { cause: e });
    }
    try {
      module = await import(pathToFileURL(written).href);
    } catch (e) {
      // A package that does not resolve from the bundle's place; any other error is the file's own.
      const why = (e as { code?: unknown } | null)?.code;
      if (why !== 'ERR_MODULE_NOT_FOUND' && why !== 'ERR_UNSUPPORTED_DIR_IMPORT') throw e;
      throw new BundleUnavailable('E_BAD_SCENARIO', `${file}: its bundle cannot be imported: ${(e as Error).message}`, { cause: e });
    }
  } finally {
    try {
      rmSync(written, { force: true });
    } catch {
      // Its directory went away meanwhile: nothing is left to remove.
    }
  }
  return { module, ...whatWentIn(file, dirname(file), code, metafile, read) };
}

/**
 * What `files` (absolute paths) are made of, as importBundled says it of one file, without
 * importing them: for an answer computed by loading them the usual way. BundleUnavailable when
 * esbuild cannot bundle them.
 */
export async function moduleInputs(files: readonly string[], dir: string): Promise<Omit<BundledModule, 'module'>> {
  const { code, metafile, read } = await bundle(files, dir);
  return whatWentIn(files[0] ?? '', dir, code, metafile, read);
}

type Metafile = { inputs: Record<string, { imports: readonly { path: string; external?: boolean }[] }>; outputs: Record<string, { entryPoint?: string }> };

/** Where a split bundle is written, and the harness's own checkout, whose sources its compiled modules stand for. */
interface SplitOutput {
  readonly outDir: string;
  readonly harness?: CompiledHarness;
}

/** A checkout of the harness with its compiled build: `sources` (harness/) compiled into `compiled` (dist/). */
export interface CompiledHarness {
  readonly sources: string;
  readonly compiled: string;
}

/** A project bundle on disk: each entry's output module, and what went in. */
export interface ProjectBundle extends Omit<BundledModule, 'module'> {
  /** The entries (absolute paths) and their output files. */
  readonly outputs: ReadonlyMap<string, string>;
}

/**
 * An import of the harness's sources, in its own checkout (the bot's plugin imports them by
 * path), is the compiled module the running CLI loaded: the same instances, not a second copy.
 */
function compiledHarness(harness: CompiledHarness): Plugin {
  return {
    name: 'compiled-harness',
    setup(b) {
      // Whatever the specifier's form (`.ts`, `.js`, none): where it resolves decides.
      b.onResolve({ filter: /^[./]/ }, async (args) => {
        if ((args.pluginData as { again?: boolean } | undefined)?.again === true) return undefined;
        const found = await b.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: { again: true } });
        if (found.errors.length > 0 || found.external) return found;
        const within = relative(harness.sources, found.path);
        if (within.startsWith('..') || isAbsolute(within) || !/\.[cm]?ts$/.test(within)) return found;
        const compiled = join(harness.compiled, within.replace(/\.([cm]?)ts$/, '.$1js'));
        if (!existsSync(compiled)) throw new Error(`${args.path} (imported by ${args.importer}) has no compiled module ${compiled}: run npm run build`);
        return { path: pathToFileURL(compiled).href, external: true };
      });
    },
  };
}

/** Code that, run from the bundle's place, would resolve something else than from its own file. */
const PLACE_BOUND = [
  // import() of a computed path: resolved from the bundle, where no loader compiles TypeScript.
  // Not a member call (`rows.import(x)`) nor a method named import (`import(x) {`); a string that
  // reads like one only costs the bundle, never a wrong result.
  { pattern: /(?<![.\w$])import\s*\((?!\s*(?:"[^"\\]*"|'[^'\\]*'|`[^`$\\]*`)\s*[,)])(?![^()]*\)\s*\{)/, what: 'an import() of a computed path' },
  { pattern: /\b__require\b/, what: 'require()' },
  { pattern: /\bimport\.meta\.resolve\b/, what: 'import.meta.resolve' },
] as const;

/**
 * Writes `entries` (absolute paths) and the project files they import into `outDir` as one
 * split ES-module bundle: importing an entry's output runs it as Node would run the file, without
 * a module loader, and modules two entries share are one instance. BundleUnavailable as for
 * importBundled, and when a file imports by a computed path or requires.
 */
export async function writeProjectBundle(entries: readonly string[], dir: string, outDir: string, harness?: CompiledHarness): Promise<ProjectBundle> {
  const { code, metafile, read } = await bundle(entries, dir, { outDir, ...(harness ? { harness } : {}) });
  const unavailable = (why: string) => new BundleUnavailable('E_BAD_SCENARIO', `${entries.join(', ')}: not bundled: ${why}`);
  const bound = PLACE_BOUND.find((p) => p.pattern.test(code));
  if (bound) throw unavailable(`it uses ${bound.what}`);
  // A package the bundle's place would find elsewhere than the file's own (a nested node_modules).
  for (const [input, facts] of Object.entries(metafile.inputs)) {
    for (const imported of facts.imports) {
      const name = imported.external ? packageName(imported.path) : null;
      if (name === null) continue;
      const from = dirname(resolve(dir, input));
      if (packageJsonOf(name, from) !== packageJsonOf(name, outDir)) throw unavailable(`${input} imports ${name}, which resolves elsewhere from ${outDir}`);
      // The file's own package by its name: Node finds it from the file's package scope, which the cache is not in.
      if (nearestPackage(from)?.name === name) throw unavailable(`${input} imports its own package ${name} by name`);
    }
  }
  // Keyed by the paths asked for: esbuild names an entry by its real path (a symbolic link resolved).
  const asked = new Map<string, string[]>();
  for (const e of entries) asked.set(realPath(e), [...(asked.get(realPath(e)) ?? []), e]);
  const outputs = new Map<string, string>();
  for (const [output, facts] of Object.entries(metafile.outputs)) {
    if (facts.entryPoint === undefined) continue;
    const entry = realPath(resolve(dir, facts.entryPoint));
    for (const name of asked.get(entry) ?? [entry]) outputs.set(name, resolve(dir, output));
  }
  return { outputs, ...whatWentIn(entries[0] ?? '', dir, code, metafile, read) };
}

function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** One ES module of `entries` and the project files they import, with each file's hash as esbuild read it. */
async function bundle(entries: readonly string[], dir: string, split?: SplitOutput): Promise<{ code: string; metafile: Metafile; read: Map<string, string> }> {
  const read = new Map<string, string>();
  try {
    const { build } = await import('esbuild');
    const result = await build({
      entryPoints: [...entries],
      absWorkingDir: dir,
      bundle: true,
      packages: 'external',
      platform: 'node',
      format: 'esm',
      target: `node${process.versions.node}`,
      ...(split
        ? // One output per entry, the modules they share in chunks imported by each: one instance of each module.
          { write: true, outdir: split.outDir, outbase: dir, splitting: true, sourcemap: 'linked' as const, chunkNames: 'chunks/[name]-[hash]' }
        : // Several entries need a directory to name their outputs in; nothing is written there.
          { write: false, ...(entries.length > 1 ? { outdir: join(dir, '.prh-bundle-not-written') } : {}) }),
      metafile: true,
      logLevel: 'silent',
      define: { 'import.meta.url': ORIGINAL.url, 'import.meta.dirname': ORIGINAL.dirname, 'import.meta.filename': ORIGINAL.filename },
      plugins: [
        ...(split?.harness ? [compiledHarness(split.harness)] : []),
        {
          name: 'original-module-facts',
          setup(b) {
            b.onLoad({ filter: /\.[cm]?[jt]sx?$/ }, (args) => {
              if (args.path.includes(`${sep}node_modules${sep}`)) return undefined;
              // Node would load it as CommonJS: the bundle, an ES module, could load where it does not.
              if (!loadsAsModule(args.path)) throw new Error(`${args.path} would load as CommonJS`);
              const source = readFileSync(args.path, 'utf8');
              read.set(args.path, createHash('sha1').update(source).digest('hex'));
              const facts = [
                `const ${ORIGINAL.url} = ${JSON.stringify(pathToFileURL(args.path).href)};`,
                `const ${ORIGINAL.dirname} = ${JSON.stringify(dirname(args.path))};`,
                `const ${ORIGINAL.filename} = ${JSON.stringify(args.path)};`,
              ].join(' ');
              // On the file's first line (after a #! line): every line keeps its number in the source map (stack traces).
              const hashbang = /^#![^\n]*\n?/.exec(source)?.[0] ?? '';
              return { contents: `${hashbang}${facts} ${source.slice(hashbang.length)}`, loader: LOADERS[extname(args.path)] ?? 'ts', resolveDir: dirname(args.path) };
            });
          },
        },
      ],
    });
    // A computed import() or a require() stays in the bundle as written, where no loader would compile a TypeScript file it names.
    const loose = split ? result.warnings.find((w) => w.id === 'unsupported-dynamic-import' || w.id === 'unsupported-require-call') : undefined;
    if (loose) throw new Error(`${loose.location?.file ?? ''}:${loose.location?.line ?? ''}: ${loose.text}`);
    const code = split ? Object.keys(result.metafile.outputs).filter((f) => f.endsWith('.js')).map((f) => readFileSync(resolve(dir, f), 'utf8')).join('\n') : (result.outputFiles ?? []).map((f) => f.text).join('\n');
    return { code, metafile: result.metafile, read };
  } catch (e) {
    throw new BundleUnavailable('E_BAD_SCENARIO', `${entries.join(', ')}: esbuild cannot bundle it: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

/** The inputs, packages, settings files and dynamic reads of a bundle (its first entry listed first). */
function whatWentIn(first: string, dir: string, code: string, metafile: Metafile, read: Map<string, string>): Omit<BundledModule, 'module'> {
  const names = new Set<string>();
  for (const input of Object.values(metafile.inputs)) {
    for (const imported of input.imports) {
      const name = imported.external ? packageName(imported.path) : null;
      if (name) names.add(name);
    }
  }
  const packages = [...names].flatMap((n) => packageJsonOf(n, dir) ?? []);
  // What esbuild read without the plugin (a JSON file, say): hashed now.
  for (const p of Object.keys(metafile.inputs)) {
    const path = isAbsolute(p) ? p : resolve(dir, p);
    if (read.has(path) || path.includes(`${sep}node_modules${sep}`)) continue;
    try {
      read.set(path, createHash('sha1').update(readFileSync(path)).digest('hex'));
    } catch {
      read.set(path, 'unreadable');
    }
  }
  const inputs = [...read].map(([path, sha1]) => ({ path, sha1 }));
  inputs.sort((a, b) => (a.path === first ? -1 : b.path === first ? 1 : 0));
  const linked = packages.find((p) => !p.includes(`${sep}node_modules${sep}`));
  const dynamic = DYNAMIC.exec(code)?.[0] ?? (linked ? `a package linked from outside node_modules (${dirname(linked)})` : null);
  return { inputs, packages, settings: withExtends(settingsAround(inputs.map((i) => dirname(i.path)))), dynamic };
}
