// Runs libxml2's xmllint (Debian package libxml2-utils) on a document: well-formedness and XSD
// validation by a real XML parser. A missing xmllint is a failure that says how to install it.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface XmllintResult {
  readonly ok: boolean;
  readonly output: string;
}

/** `xmllint --noout --nonet [--schema xsd] <doc>`; ok when it exits 0. */
export async function xmllint(document: string, schemaPath?: string): Promise<XmllintResult> {
  const dir = await mkdtemp(join(tmpdir(), 'report-xmllint-'));
  try {
    const file = join(dir, 'doc.xml');
    await writeFile(file, document, 'utf8');
    const args = ['--noout', '--nonet', ...(schemaPath ? ['--schema', schemaPath] : []), file];
    return await new Promise<XmllintResult>((resolve, reject) => {
      execFile('xmllint', args, { timeout: 30_000 }, (error, stdout, stderr) => {
        if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') {
          reject(new Error('xmllint is not installed: install Debian package libxml2-utils (apt-get install -y libxml2-utils)'));
          return;
        }
        resolve({ ok: error === null, output: `${stdout}${stderr}` });
      });
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
