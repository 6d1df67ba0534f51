/** At most this much of someone else's text (a backend's answer, an exporter's error) is repeated. */
const DETAIL_CHARS = 200;

/**
 * Printable, one line, bounded: text from a backend or a daemon may end up in a receipt, a log
 * line or a terminal, where a newline or an escape sequence could forge or hide output.
 */
export function sanitize(text: string, max = DETAIL_CHARS): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}
