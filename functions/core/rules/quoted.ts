const QUOTED_CHARS = 60;

/**
 * Text from a rule file as a message quotes it: JSON-escaped, so a control character cannot reach
 * a terminal or a GitHub annotation raw, and cut short, so a binary or UTF-16 file does not turn
 * into a message thousands of characters long.
 */
export function quoted(text: unknown): string {
  const json = JSON.stringify(text) ?? String(text);
  return json.length <= QUOTED_CHARS ? json : `${json.slice(0, QUOTED_CHARS - 1)}…"`;
}
