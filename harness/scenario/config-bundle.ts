// A configuration file loaded as one bundle (what Vite does with vite.config.ts): esbuild joins it
// and the project files it imports into one ES module beside it, without a module loader, and
// says which files went in, so an answer computed from the configuration can be kept until one changes.
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface BundledModule {
  readonly module: unknown;
  /** Absolute paths of the project files in the bundle (the configuration first); packages are imported, not bundled. */
  readonly inputs: readonly string[];
}

/**
 * Imports `file` bundled. Packages stay imports (resolved from the file's directory as before); a
 * project file's `import.meta.url` becomes the bundle's, which sits beside the configuration.
 * Throws whatever esbuild or the import throws: the caller loads the file the usual way instead.
 */
export async function importBundled(file: string): Promise<BundledModule> {
  const { build } = await import('esbuild');
  const dir = dirname(file);
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
  const code = result.outputFiles[0]?.text;
  if (code === undefined) throw new Error(`esbuild wrote nothing for ${file}`);
  // Beside the configuration, so its packages resolve from the same node_modules; a name of its
  // own per process, so two commands at once do not meet.
  const bundle = `${file}.timestamp-${Date.now()}-${process.pid}.mjs`;
  writeFileSync(bundle, code);
  try {
    const module: unknown = await import(pathToFileURL(bundle).href);
    const inputs = Object.keys(result.metafile.inputs).map((p) => resolve(dir, p));
    return { module, inputs: [file, ...inputs.filter((p) => p !== file)] };
  } finally {
    rmSync(bundle, { force: true });
  }
}
