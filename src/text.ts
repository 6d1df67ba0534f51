/** At most this much of someone else's text (a backend's answer, an exporter's error) is repeated. */
const DETAIL_CHARS = 400;

/**
 * Printable, one line, bounded: text from a backend or a daemon may end up in a receipt, a log
 * line or a terminal, where a newline or an escape sequence could forge or hide output.
 */
export function sanitize(text: string, max = DETAIL_CHARS): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

/**
 * A URL as it may be printed (a start-up line, a config error, a verdict): scheme, host and path;
 * user name, password, query and fragment left out, since any of them may carry a secret.
 */
export function shownUrl(url: string): string {
  try {
    const u = new URL(url);
    // No slash where none was written: http://host:9090, not http://host:9090/.
    const path = u.pathname === '/' && !url.split(/[?#]/)[0]!.endsWith('/') ? '' : u.pathname;
    return sanitize(`${u.protocol}//${u.host}${path}${u.search ? '?…' : ''}`);
  } catch {
    return '(a URL that cannot be parsed)';
  }
}
