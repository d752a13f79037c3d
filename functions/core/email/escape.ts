const htmlEntities: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Every value that comes from a record goes through this before it reaches HTML. */
export function escapeHtml(value: unknown): string {
  return String(value ?? "").replace(/[&<>"']/g, (ch) => htmlEntities[ch] ?? ch);
}

/** Subjects are headers: a CR, LF or other line break (NEL, LS, PS) must not start a new header. */
export function headerSafe(value: string): string {
  return value.replace(/[\r\n\u0085\u2028\u2029]+/g, " ").trim();
}

/** One line of plain text: record values with newlines would break the layout of a text email. */
export function oneLine(value: unknown): string {
  return String(value ?? "")
    .replace(/\s*[\r\n\u0085\u2028\u2029]+\s*/g, " ")
    .trim();
}
