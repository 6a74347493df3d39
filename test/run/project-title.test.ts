// What reports are titled after without a configured title: the nearest package.json's name, else
// the directory's name.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectTitle } from '../../harness/run/index.ts';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'project-title-'));
  await mkdir(join(root, 'shop', 'src', 'races'), { recursive: true });
  await writeFile(join(root, 'shop', 'package.json'), JSON.stringify({ name: '@acme/shop', version: '1.0.0' }));
  await mkdir(join(root, 'nameless'));
  await writeFile(join(root, 'nameless', 'package.json'), '{"private": true}');
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('projectTitle', () => {
  it('is the name of the package the directory is in, from any folder below it', () => {
    expect(projectTitle(join(root, 'shop'))).toBe('@acme/shop');
    expect(projectTitle(join(root, 'shop', 'src', 'races'))).toBe('@acme/shop');
  });

  it('falls back to the directory’s name where no package.json up the tree has a name', () => {
    const title = projectTitle(join(root, 'nameless'));
    // A package.json above the temporary directory would name it; on a clean machine there is none.
    expect([basename(join(root, 'nameless')), projectTitle(tmpdir())]).toContain(title);
  });
});
