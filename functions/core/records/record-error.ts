/** A lead or rep record that cannot be used as it is; the message names the record and the field. */
export class RecordError extends Error {
  readonly recordId: string;
  constructor(recordId: string, message: string, options?: { cause?: unknown }) {
    super(`${recordId}: ${message}`, options);
    this.name = "RecordError";
    this.recordId = recordId;
  }
}

const SHOWN_CHARS = 80;

/**
 * A bad value as a message shows it: JSON, cut short. A reason quoting a 300 KB value whole would
 * not fit in the quarantine item that records it, nor on anyone's screen.
 */
export function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length <= SHOWN_CHARS
    ? text
    : `${text.slice(0, SHOWN_CHARS)}… (${text.length} characters)`;
}

/** UTF-8 bytes of a string: DynamoDB's key limits are in bytes. */
export const utf8Bytes = (text: string) => new TextEncoder().encode(text).length;

/**
 * The longest id a record may have. Ids go into sort keys of the byOwner and byDue indexes
 * (limit 1,024 bytes) together with a funnel, a stage and a time.
 */
export const MAX_ID_BYTES = 256;
