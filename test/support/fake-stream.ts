// A write stream that keeps what the CLI writes, for tests that call runCli in process.
export function fakeStream(): { stream: NodeJS.WriteStream; text: () => string } {
  const chunks: string[] = [];
  const stream = {
    isTTY: false,
    write(s: string | Uint8Array): boolean {
      chunks.push(typeof s === 'string' ? s : Buffer.from(s).toString('utf8'));
      return true;
    },
  };
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => chunks.join('') };
}
