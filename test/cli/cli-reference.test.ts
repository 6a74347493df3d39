// The CLI reference page is generated from the core's flag table: the committed page must be what
// the table gives (run `npm run docs` after changing a flag), and the table must agree with the
// registries it names (strategies, report formats, providers).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CORE_FLAGS } from '../../harness/cli/core-flags.ts';
import { cliReference } from '../../harness/cli/help-text.ts';
import { PROVIDER_NAMES } from '../../harness/db/index.ts';
import { REPORT_FORMAT_NAMES } from '../../harness/report/index.ts';
import { STRATEGIES } from '../../harness/run/index.ts';

describe('docs/reference/cli.md', () => {
  it('is what the flag table generates (npm run docs writes it)', () => {
    expect(readFileSync('docs/reference/cli.md', 'utf8')).toBe(cliReference());
  });

  it('names every flag the parser takes, except the hidden one', () => {
    const page = readFileSync('docs/reference/cli.md', 'utf8');
    for (const f of CORE_FLAGS) expect(new RegExp(`\`(-[a-z], )?--${f.name}[ \`]`).test(page), f.name).toBe(!f.hidden);
    expect(page).toContain(Object.keys(STRATEGIES).join(', '));
    expect(page).toContain(REPORT_FORMAT_NAMES.join(', '));
    expect(page).toContain(PROVIDER_NAMES.join(', '));
  });
});
