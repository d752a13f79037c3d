/** A lead or rep record that cannot be used as it is; the message names the record and the field. */
export class RecordError extends Error {
  readonly recordId: string;
  constructor(recordId: string, message: string, options?: { cause?: unknown }) {
    super(`${recordId}: ${message}`, options);
    this.name = "RecordError";
    this.recordId = recordId;
  }
}
