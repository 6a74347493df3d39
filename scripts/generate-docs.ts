// `npm run docs`: writes the reference pages generated from the code: the core's flag table
// (docs/reference/cli.md), this repository's bot plugin's (docs/reference/bot-plugin-cli.md), and
// the public exports of the package with their TSDoc comments (docs/reference/api.md, read with the
// TypeScript compiler API). Tests fail when a committed page differs from what this writes
// (test/cli/cli-reference.test.ts, bot/test/plugin/bot-cli.test.ts, test/docs/api-reference.test.ts).
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { cliReference, pluginReference } from '../harness/cli/help-text.ts';
import { BOT_PLUGIN } from '../bot/plugin/index.ts';

/** The package's entry points: import specifier → source file. */
export const API_ENTRIES: readonly { readonly specifier: string; readonly file: string }[] = [
  { specifier: 'position-race-harness', file: 'harness/index.ts' },
  { specifier: 'position-race-harness/vitest', file: 'harness/vitest/index.ts' },
];

/** Every generated page, by path. */
export function generatedPages(): Readonly<Record<string, string>> {
  return {
    'docs/reference/cli.md': cliReference(),
    'docs/reference/bot-plugin-cli.md': pluginReference(BOT_PLUGIN),
    'docs/reference/api.md': apiReference(),
  };
}

/** docs/reference/api.md: each entry's exports, alphabetically by kind, with signature and TSDoc. */
export function apiReference(): string {
  const program = ts.createProgram(
    API_ENTRIES.map((e) => resolve(e.file)),
    { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, allowImportingTsExtensions: true, noEmit: true, strict: true, skipLibCheck: true, types: ['node'] },
  );
  const checker = program.getTypeChecker();
  const out: string[] = [
    '# API reference',
    '',
    '<!-- Generated from the exports and their TSDoc comments by `npm run docs`; a test fails when this page differs from what they give. -->',
    '',
    'The public exports of the package. How to use them: [getting started](../getting-started.md), [writing scenarios](../guides/scenarios.md), [the vitest API](../guides/vitest.md). Words: [glossary](../glossary.md).',
    '',
  ];
  for (const entry of API_ENTRIES) {
    const source = program.getSourceFile(resolve(entry.file));
    const moduleSymbol = source && checker.getSymbolAtLocation(source);
    if (!moduleSymbol) throw new Error(`${entry.file}: not a module`);
    out.push(`## \`${entry.specifier}\``, '');
    const moduleDoc = leadingComment(source);
    if (moduleDoc) out.push(moduleDoc, '');
    const exports = checker.getExportsOfModule(moduleSymbol).map((s) => describeExport(checker, s));
    for (const kind of KIND_ORDER) {
      const ofKind = exports.filter((e) => e.kind === kind).sort((a, b) => a.name.localeCompare(b.name));
      if (ofKind.length === 0) continue;
      out.push(`### ${KIND_TITLES[kind]}`, '');
      for (const e of ofKind) {
        out.push(`#### \`${e.name}\``, '', '```ts', e.signature, '```', '');
        if (e.doc) out.push(e.doc, '');
        if (e.members.length > 0) {
          out.push('| member | type | what it is |', '|---|---|---|');
          for (const m of e.members) out.push(`| \`${m.name}\` | \`${cell(m.type)}\` | ${cell(m.doc)} |`);
          out.push('');
        }
        out.push(`Defined in \`${e.file}\`.`, '');
      }
    }
  }
  return `${out.join('\n').trimEnd()}\n`;
}

type ExportKind = 'function' | 'class' | 'constant' | 'interface' | 'type';
const KIND_ORDER: readonly ExportKind[] = ['function', 'class', 'constant', 'interface', 'type'];
const KIND_TITLES: Readonly<Record<ExportKind, string>> = { function: 'Functions', class: 'Classes', constant: 'Constants', interface: 'Interfaces', type: 'Types' };

interface ExportDoc {
  readonly name: string;
  readonly kind: ExportKind;
  readonly signature: string;
  readonly doc: string;
  readonly members: readonly { readonly name: string; readonly type: string; readonly doc: string }[];
  readonly file: string;
}

const FORMAT = ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.UseSingleQuotesForStringLiteralType | ts.TypeFormatFlags.WriteArrowStyleSignature;

function describeExport(checker: ts.TypeChecker, exported: ts.Symbol): ExportDoc {
  const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
  const decl = symbol.declarations?.[0];
  if (!decl) throw new Error(`export ${exported.name} has no declaration`);
  const name = exported.name;
  const file = relativePath(decl.getSourceFile().fileName);
  const doc = docOf(checker, symbol);
  if (ts.isFunctionDeclaration(decl)) {
    const signatures = checker.getTypeOfSymbolAtLocation(symbol, decl).getCallSignatures();
    return { name, kind: 'function', signature: signatures.map((s) => `function ${name}${checker.signatureToString(s, decl, FORMAT & ~ts.TypeFormatFlags.WriteArrowStyleSignature)}`).join('\n'), doc, members: [], file };
  }
  if (ts.isClassDeclaration(decl)) {
    const heritage = decl.heritageClauses?.map((h) => ` ${h.getText()}`).join('') ?? '';
    return { name, kind: 'class', signature: `class ${name}${typeParams(decl)}${heritage}`, doc, members: membersOf(checker, symbol, decl, true), file };
  }
  if (ts.isInterfaceDeclaration(decl)) {
    const heritage = decl.heritageClauses?.map((h) => ` ${h.getText()}`).join('') ?? '';
    return { name, kind: 'interface', signature: `interface ${name}${typeParams(decl)}${heritage}`, doc, members: membersOf(checker, symbol, decl, false), file };
  }
  if (ts.isTypeAliasDeclaration(decl)) {
    return { name, kind: 'type', signature: `type ${name}${typeParams(decl)} = ${oneLine(decl.type.getText())}`, doc, members: [], file };
  }
  if (ts.isVariableDeclaration(decl)) {
    const type = checker.getTypeOfSymbolAtLocation(symbol, decl);
    const signatures = type.getCallSignatures();
    // An arrow function or a function-valued constant reads as a function.
    if (signatures.length > 0 && decl.initializer && (ts.isArrowFunction(decl.initializer) || ts.isFunctionExpression(decl.initializer))) {
      return { name, kind: 'function', signature: signatures.map((s) => `function ${name}${checker.signatureToString(s, decl, FORMAT & ~ts.TypeFormatFlags.WriteArrowStyleSignature)}`).join('\n'), doc, members: [], file };
    }
    return { name, kind: 'constant', signature: `const ${name}: ${checker.typeToString(type, decl, FORMAT)}`, doc, members: [], file };
  }
  throw new Error(`export ${name}: a ${ts.SyntaxKind[decl.kind]}, which the API reference does not describe yet`);
}

/** The public properties and methods of an interface or class, each with its type and TSDoc. */
function membersOf(checker: ts.TypeChecker, symbol: ts.Symbol, decl: ts.Declaration, isClass: boolean): ExportDoc['members'] {
  const type = isClass ? checker.getTypeOfSymbolAtLocation(symbol, decl) : checker.getDeclaredTypeOfSymbol(symbol);
  const members: { name: string; type: string; doc: string }[] = [];
  if (isClass) {
    for (const s of type.getConstructSignatures().slice(0, 1)) members.push({ name: 'constructor', type: checker.signatureToString(s, decl, FORMAT), doc: ts.displayPartsToString(s.getDocumentationComment(checker)) });
  }
  const instance = isClass ? checker.getDeclaredTypeOfSymbol(symbol) : type;
  const own = isClass ? instance.getProperties().filter((p) => p.declarations?.some((d) => d.parent === decl || (ts.isParameter(d) && d.parent.parent === decl))) : instance.getProperties();
  for (const p of own) {
    const d = p.valueDeclaration ?? p.declarations?.[0];
    if (!d) continue;
    const modifiers = ts.getCombinedModifierFlags(d);
    if (modifiers & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected) || p.name.startsWith('#')) continue;
    const optional = p.flags & ts.SymbolFlags.Optional ? '?' : '';
    const readonly = modifiers & ts.ModifierFlags.Readonly ? 'readonly ' : '';
    const type = checker.typeToString(checker.getTypeOfSymbolAtLocation(p, d), d, FORMAT);
    // `x?: T` reads as T: the `| undefined` the checker adds to an optional member says nothing more.
    members.push({ name: `${readonly}${p.name}${optional}`, type: optional ? type.replace(/ \| undefined$/, '') : type, doc: docOf(checker, p) });
  }
  return members;
}

function docOf(checker: ts.TypeChecker, symbol: ts.Symbol): string {
  const text = ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim();
  const tags = symbol
    .getJsDocTags(checker)
    .map((t) => `*@${t.name}* ${ts.displayPartsToString(t.text ?? []).trim()}`.trim());
  return [text, ...tags].filter(Boolean).join('\n\n');
}

function typeParams(decl: ts.ClassDeclaration | ts.InterfaceDeclaration | ts.TypeAliasDeclaration): string {
  return decl.typeParameters ? `<${decl.typeParameters.map((p) => p.getText()).join(', ')}>` : '';
}

/** The file's opening `//` comment lines: its role. */
function leadingComment(source: ts.SourceFile): string {
  const lines: string[] = [];
  for (const line of source.getFullText().split('\n')) {
    const m = /^\/\/ ?(.*)$/.exec(line);
    if (!m) break;
    lines.push(m[1] as string);
  }
  return lines.join(' ').trim();
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}

/** Text for a table cell: one line, pipes escaped. */
function cell(text: string): string {
  return oneLine(text).replace(/\|/g, '\\|');
}

function relativePath(file: string): string {
  const root = `${resolve('.')}/`;
  return file.startsWith(root) ? file.slice(root.length) : file;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  mkdirSync('docs/reference', { recursive: true });
  for (const [path, text] of Object.entries(generatedPages())) {
    writeFileSync(path, text);
    process.stdout.write(`wrote ${path}\n`);
  }
}
