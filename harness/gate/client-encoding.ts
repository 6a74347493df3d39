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
  LATIN5: 'windows-1254',
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
  return (b) => decoder.decode(b);
}

export { utf8 as UTF8_READING };
