// The encoding a client writes its SQL in (client_encoding): the gate reads the text of its
// requests as PostgreSQL converts it, or says that it cannot, and the steps are then opaque.

import { TextDecoder } from 'node:util';

/** Reads a client's bytes as text. */
export type TextReading = (bytes: Buffer) => string;

const utf8: TextReading = (b) => b.toString('utf8');

/** PostgreSQL's names of client encodings and the WHATWG labels of the decoders that read them. */
const DECODER_LABELS: Readonly<Record<string, string>> = {
  LATIN2: 'iso-8859-2',
  LATIN3: 'iso-8859-3',
  LATIN4: 'iso-8859-4',
  LATIN5: 'iso-8859-9',
  LATIN6: 'iso-8859-10',
  LATIN7: 'iso-8859-13',
  LATIN8: 'iso-8859-14',
  LATIN9: 'iso-8859-15',
  LATIN10: 'iso-8859-16',
  ISO_8859_5: 'iso-8859-5',
  ISO_8859_6: 'iso-8859-6',
  ISO_8859_7: 'iso-8859-7',
  ISO_8859_8: 'iso-8859-8',
  WIN866: 'ibm866',
  WIN874: 'windows-874',
  WIN1250: 'windows-1250',
  WIN1251: 'windows-1251',
  WIN1252: 'windows-1252',
  WIN1253: 'windows-1253',
  WIN1254: 'windows-1254',
  WIN1255: 'windows-1255',
  WIN1256: 'windows-1256',
  WIN1257: 'windows-1257',
  WIN1258: 'windows-1258',
  KOI8R: 'koi8-r',
  KOI8U: 'koi8-u',
  EUC_JP: 'euc-jp',
  EUC_KR: 'euc-kr',
  EUC_CN: 'gbk',
  SJIS: 'shift_jis',
  BIG5: 'big5',
  GBK: 'gbk',
  GB18030: 'gb18030',
};

/**
 * How to read text in `encoding` (as the server reports client_encoding), or null for one the gate
 * has no decoder for (MULE_INTERNAL, EUC_TW, JOHAB, UHC, ...). SQL_ASCII passes bytes through
 * unconverted: the server reads them in its own encoding, UTF-8 here.
 */
export function textReadingFor(encoding: string): TextReading | null {
  const name = encoding.trim().toUpperCase().replace(/-/g, '_');
  if (name === 'UTF8' || name === 'UNICODE' || name === 'SQL_ASCII') return utf8;
  // Node's latin1 is ISO 8859-1 itself (the WHATWG label of that name reads Windows-1252).
  if (name === 'LATIN1' || name === 'ISO_8859_1') return (b) => b.toString('latin1');
  const label = DECODER_LABELS[name];
  if (!label) return null;
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(label);
  } catch {
    return null;
  }
  if (!SINGLE_BYTE.has(name)) return (b) => decoder.decode(b);
  // One table of 256 characters: WHATWG reads ISO 8859-9 as Windows-1254 (0x80–0x9F differ),
  // and Node reads Windows-1252 as ISO 8859-1; PostgreSQL has the C1 controls there for every
  // ISO 8859 encoding, and Windows-1252's own characters.
  const table: string[] = [];
  for (let byte = 0; byte < 256; byte++) table.push(decoder.decode(Uint8Array.of(byte)));
  for (let byte = 0x80; byte < 0xa0; byte++) {
    if (name.startsWith('LATIN') || name.startsWith('ISO_8859')) table[byte] = String.fromCharCode(byte);
    else if (name === 'WIN1252') table[byte] = WIN1252_C1[byte - 0x80] ?? String.fromCharCode(byte);
  }
  return (b) => {
    let text = '';
    for (const byte of b) text += table[byte];
    return text;
  };
}

/** The encodings of one byte a character, read through a table. */
const SINGLE_BYTE = new Set(['LATIN2', 'LATIN3', 'LATIN4', 'LATIN5', 'LATIN6', 'LATIN7', 'LATIN8', 'LATIN9', 'LATIN10', 'ISO_8859_5', 'ISO_8859_6', 'ISO_8859_7', 'ISO_8859_8', 'WIN866', 'WIN874', 'WIN1250', 'WIN1251', 'WIN1252', 'WIN1253', 'WIN1254', 'WIN1255', 'WIN1256', 'WIN1257', 'WIN1258', 'KOI8R', 'KOI8U']);

/** Windows-1252 at 0x80–0x9F (the five bytes it leaves undefined stay C1: the server rejects them). */
const WIN1252_C1 = [
  '\u20ac', '\u0081', '\u201a', '\u0192', '\u201e', '\u2026', '\u2020', '\u2021', '\u02c6', '\u2030', '\u0160', '\u2039', '\u0152', '\u008d', '\u017d', '\u008f',
  '\u0090', '\u2018', '\u2019', '\u201c', '\u201d', '\u2022', '\u2013', '\u2014', '\u02dc', '\u2122', '\u0161', '\u203a', '\u0153', '\u009d', '\u017e', '\u0178',
];

export { utf8 as UTF8_READING };
