// docs/reference/api.md is generated from the package's exports and their TSDoc comments: the
// committed page must be what the generator gives (run `npm run docs` after changing an export or
// its comment), and it must name every export of every entry point.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as api from '../../harness/index.ts';
import * as vitestApi from '../../harness/vitest/index.ts';
import { apiReference } from '../../scripts/generate-docs.ts';

describe('docs/reference/api.md', () => {
  const generated = apiReference();

  it('is what the exports generate (npm run docs writes it)', () => {
    expect(readFileSync('docs/reference/api.md', 'utf8')).toBe(generated);
  });

  it('describes every runtime export of both entry points, with its signature', () => {
    for (const name of [...Object.keys(api), ...Object.keys(vitestApi)]) expect(generated, name).toContain(`#### \`${name}\`\n\n\`\`\`ts\n`);
    expect(generated).toContain('## `position-race-harness/vitest`');
    expect(generated).toContain('function assertRace(scenario: ScenarioBase, options?: AssertRaceOptions): Promise<RaceReport>');
  });

  it('carries the TSDoc of types and their members', () => {
    expect(generated).toMatch(/#### `AssertRaceOptions`[\s\S]*?\| `readonly expect\?` \| `Expectation` \| What passes/);
    expect(generated).toContain('Validates and freezes a scenario');
  });
});
