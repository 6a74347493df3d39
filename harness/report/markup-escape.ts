// Escaping for the markup formats (JUnit XML and HTML): text and attribute values that are
// always well-formed, whatever SQL, error messages or actor names a run carries.

// Characters XML 1.0 cannot carry at all, not even as references, and unpaired surrogates.
const NOT_XML_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '\n': '&#10;',
  '\r': '&#13;',
  '\t': '&#9;',
};

/** Escapes element text: markup characters become references, characters XML forbids become U+FFFD. */
export function escapeText(text: string): string {
  return text.replace(NOT_XML_CHAR, '\uFFFD').replace(/[&<>]/g, (c) => ENTITIES[c] ?? c);
}

/** Escapes an attribute value (quoted with either quote); line breaks and tabs survive parsing. */
export function escapeAttr(text: string): string {
  return text.replace(NOT_XML_CHAR, '\uFFFD').replace(/[&<>"'\n\r\t]/g, (c) => ENTITIES[c] ?? c);
}
