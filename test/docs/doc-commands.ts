// The harness commands a page shows in its shell blocks (```sh, ```bash, and the `$ ` lines of
// ```console): `npx race ...` and `npm run scenarios -- ...`, split into words as a shell would.
import { fencedBlocks } from './markdown.ts';

export interface DocCommand {
  /** `race` for `npx race`, `scenarios` for `npm run scenarios`. */
  readonly program: 'race' | 'scenarios';
  readonly args: readonly string[];
  /** The command as written, for messages. */
  readonly text: string;
  readonly line: number;
}

const SHELL_LANGS = new Set(['sh', 'bash', 'shell', 'console', 'shell-session']);

/** Every harness command in the page's shell blocks. */
export function harnessCommands(md: string): DocCommand[] {
  const found: DocCommand[] = [];
  for (const block of fencedBlocks(md)) {
    if (!SHELL_LANGS.has(block.lang)) continue;
    const lines = block.text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      let line = lines[i] as string;
      const at = block.line + 1 + i;
      if (block.lang === 'console' || block.lang === 'shell-session') {
        if (!line.startsWith('$ ')) continue;
        line = line.slice(2);
      }
      while (line.endsWith('\\') && i + 1 < lines.length) line = `${line.slice(0, -1)} ${lines[++i] as string}`;
      for (const all of commandsOf(line)) {
        const text = all.join(' ');
        // `[options]`, `<file>`: a synopsis's placeholders, not arguments.
        const words = all.filter((w) => !/^(\[.*\]|<.*>)$/.test(w));
        if (words[0] === 'npx' && words[1] === 'race') found.push({ program: 'race', args: words.slice(2), text, line: at });
        if (words[0] === 'npm' && words[1] === 'run' && words[2] === 'scenarios') {
          const dashes = words.indexOf('--');
          found.push({ program: 'scenarios', args: dashes < 0 ? [] : words.slice(dashes + 1), text, line: at });
        }
      }
    }
  }
  return found;
}

/** A line's simple commands (split at `&&`, `||`, `;`, `|`), each as its words, quotes removed, comment dropped. */
export function commandsOf(line: string): string[][] {
  const commands: string[][] = [];
  let words: string[] = [];
  let word = '';
  let inWord = false;
  const endWord = () => {
    if (inWord) words.push(word);
    word = '';
    inWord = false;
  };
  const endCommand = () => {
    endWord();
    if (words.length > 0) commands.push(words);
    words = [];
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (c === "'") {
      const close = line.indexOf("'", i + 1);
      word += line.slice(i + 1, close < 0 ? line.length : close);
      inWord = true;
      i = close < 0 ? line.length : close;
    } else if (c === '"') {
      let j = i + 1;
      while (j < line.length && line[j] !== '"') {
        if (line[j] === '\\' && j + 1 < line.length) j++;
        word += line[j];
        j++;
      }
      inWord = true;
      i = j;
    } else if (c === '#' && !inWord) {
      break;
    } else if (c === '&' || c === '|' || c === ';') {
      endCommand();
      if (line[i + 1] === c) i++;
    } else if (/\s/.test(c)) {
      endWord();
    } else {
      word += c;
      inWord = true;
    }
  }
  endCommand();
  return commands;
}
