// A minimal, strict XML reader for the JUnit tests: it refuses anything not well-formed (unbalanced
// tags, bad references, raw `<` or `&`, duplicate attributes) and gives a tree to query.

export interface XmlElement {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: readonly (XmlElement | string)[];
}

const NAME_START = /[A-Za-z_:]/;
const NAME_CHAR = /[A-Za-z0-9_:.-]/;

/** Parses a whole document: optional declaration, comments, exactly one root element. */
export function parseXml(source: string): XmlElement {
  const p = new Reader(source);
  p.skipProlog();
  const root = p.element();
  p.skipMisc();
  if (!p.done()) p.fail('content after the root element');
  return root;
}

/** Every descendant element (and the element itself) with this name, in document order. */
export function findAll(root: XmlElement, name: string): XmlElement[] {
  const out: XmlElement[] = [];
  const walk = (e: XmlElement) => {
    if (e.name === name) out.push(e);
    for (const c of e.children) if (typeof c !== 'string') walk(c);
  };
  walk(root);
  return out;
}

/** The element's text content, references resolved. */
export function textOf(e: XmlElement): string {
  return e.children.map((c) => (typeof c === 'string' ? c : textOf(c))).join('');
}

class Reader {
  private i = 0;
  constructor(private readonly s: string) {}

  done(): boolean {
    return this.i >= this.s.length;
  }

  fail(what: string): never {
    const line = this.s.slice(0, this.i).split('\n').length;
    throw new Error(`not well-formed XML at line ${line} (offset ${this.i}): ${what}`);
  }

  private startsWith(t: string): boolean {
    return this.s.startsWith(t, this.i);
  }

  private expect(t: string): void {
    if (!this.startsWith(t)) this.fail(`expected '${t}'`);
    this.i += t.length;
  }

  private skipSpace(): void {
    while (!this.done() && ' \t\r\n'.includes(this.s[this.i] as string)) this.i++;
  }

  skipProlog(): void {
    if (this.startsWith('<?xml')) {
      const end = this.s.indexOf('?>', this.i);
      if (end < 0) this.fail('unterminated XML declaration');
      this.i = end + 2;
    }
    this.skipMisc();
  }

  skipMisc(): void {
    for (;;) {
      this.skipSpace();
      if (this.startsWith('<!--')) this.comment();
      else return;
    }
  }

  private comment(): void {
    const end = this.s.indexOf('-->', this.i + 4);
    if (end < 0) this.fail('unterminated comment');
    if (this.s.slice(this.i + 4, end).includes('--')) this.fail("'--' inside a comment");
    this.i = end + 3;
  }

  private name(): string {
    const start = this.i;
    if (this.done() || !NAME_START.test(this.s[this.i] as string)) this.fail('expected a name');
    this.i++;
    while (!this.done() && NAME_CHAR.test(this.s[this.i] as string)) this.i++;
    return this.s.slice(start, this.i);
  }

  element(): XmlElement {
    this.expect('<');
    const name = this.name();
    const attrs: Record<string, string> = {};
    for (;;) {
      const before = this.i;
      this.skipSpace();
      if (this.startsWith('/>')) {
        this.i += 2;
        return { name, attrs, children: [] };
      }
      if (this.startsWith('>')) {
        this.i++;
        break;
      }
      if (this.i === before) this.fail('expected whitespace between attributes');
      const attr = this.name();
      if (Object.hasOwn(attrs, attr)) this.fail(`duplicate attribute '${attr}'`);
      this.skipSpace();
      this.expect('=');
      this.skipSpace();
      const quote = this.s[this.i];
      if (quote !== '"' && quote !== "'") this.fail('attribute value must be quoted');
      this.i++;
      const end = this.s.indexOf(quote, this.i);
      if (end < 0) this.fail('unterminated attribute value');
      const raw = this.s.slice(this.i, end);
      if (raw.includes('<')) this.fail(`'<' in the value of '${attr}'`);
      attrs[attr] = this.references(raw);
      this.i = end + 1;
    }
    const children: (XmlElement | string)[] = [];
    for (;;) {
      if (this.done()) this.fail(`unclosed <${name}>`);
      if (this.startsWith('</')) {
        this.i += 2;
        const closing = this.name();
        if (closing !== name) this.fail(`</${closing}> closes <${name}>`);
        this.skipSpace();
        this.expect('>');
        return { name, attrs, children };
      }
      if (this.startsWith('<!--')) this.comment();
      else if (this.startsWith('<![CDATA[')) {
        const end = this.s.indexOf(']]>', this.i);
        if (end < 0) this.fail('unterminated CDATA section');
        children.push(this.s.slice(this.i + 9, end));
        this.i = end + 3;
      } else if (this.startsWith('<')) children.push(this.element());
      else {
        const next = this.s.indexOf('<', this.i);
        const end = next < 0 ? this.s.length : next;
        const raw = this.s.slice(this.i, end);
        if (raw.includes(']]>')) this.fail("']]>' in text");
        children.push(this.references(raw));
        this.i = end;
      }
    }
  }

  /** Resolves the five predefined entities and character references; a bare `&` is an error. */
  private references(raw: string): string {
    let out = '';
    let k = 0;
    while (k < raw.length) {
      const amp = raw.indexOf('&', k);
      if (amp < 0) {
        out += raw.slice(k);
        break;
      }
      out += raw.slice(k, amp);
      const semi = raw.indexOf(';', amp);
      if (semi < 0) this.fail("'&' that starts no reference");
      const ref = raw.slice(amp + 1, semi);
      const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
      let ch: string | undefined = named[ref];
      if (ch === undefined && ref.startsWith('#x') && /^#x[0-9A-Fa-f]+$/.test(ref)) ch = String.fromCodePoint(parseInt(ref.slice(2), 16));
      else if (ch === undefined && /^#[0-9]+$/.test(ref)) ch = String.fromCodePoint(Number(ref.slice(1)));
      if (ch === undefined) this.fail(`unknown reference '&${ref};'`);
      out += ch;
      k = semi + 1;
    }
    for (const c of out) {
      const cp = c.codePointAt(0) as number;
      if ((cp < 0x20 && cp !== 0x9 && cp !== 0xa && cp !== 0xd) || cp === 0xfffe || cp === 0xffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        this.fail(`character U+${cp.toString(16).padStart(4, '0')} is not allowed in XML`);
      }
    }
    return out;
  }
}
