// `npm run docs`: writes the reference pages generated from the flag tables: the core's
// (docs/reference/cli.md) and this repository's bot plugin's. Tests fail when a committed page
// differs from what this writes (test/cli/cli-reference.test.ts, bot/test/plugin/bot-cli.test.ts).
import { mkdirSync, writeFileSync } from 'node:fs';
import { cliReference, pluginReference } from '../harness/cli/help-text.ts';
import { BOT_PLUGIN } from '../bot/plugin/index.ts';

const pages: Readonly<Record<string, string>> = {
  'docs/reference/cli.md': cliReference(),
  'docs/reference/bot-plugin-cli.md': pluginReference(BOT_PLUGIN),
};

mkdirSync('docs/reference', { recursive: true });
for (const [path, text] of Object.entries(pages)) {
  writeFileSync(path, text);
  process.stdout.write(`wrote ${path}\n`);
}
