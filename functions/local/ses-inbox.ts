/** An email the SES stand-in (aws-ses-v2-local) accepted. */
export interface InboxEmail {
  messageId: string;
  from: string;
  to: string[];
  cc: string[];
  bcc: string[];
  subject: string;
  text?: string;
  html?: string;
  /** When the stand-in accepted it, as a Date (the stand-in keeps whole epoch seconds). */
  at: Date;
}

export class SesInboxError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "SesInboxError";
  }
}

/** The part of aws-ses-v2-local's `GET /store` answer we read (see its dist/store.d.ts). */
interface StoredEmail {
  messageId: string;
  from: string;
  destination: { to: string[]; cc: string[]; bcc: string[] };
  subject: string;
  body: { html?: string; text?: string };
  at: number;
}

/**
 * Every email the stand-in holds, oldest first. `since` (inclusive, whole seconds) is applied by the
 * stand-in. The store is process-wide and shared by every test file, so filter by recipient or
 * subject rather than expecting an empty inbox.
 *
 * Known stand-in limitation (aws-ses-v2-local 2.10): for the v1 API's SendEmail it keeps only the
 * first To, Cc, Bcc and Reply-To address; the SESv2 SendEmail keeps them all.
 */
export async function readInbox(
  sesEndpoint: string,
  options: { since?: Date } = {},
): Promise<InboxEmail[]> {
  const url = new URL("/store", sesEndpoint);
  if (options.since !== undefined) {
    url.searchParams.set("since", String(Math.floor(options.since.getTime() / 1000)));
  }
  const body = (await request(url, { method: "GET" })) as { emails?: StoredEmail[] };
  return (body.emails ?? []).map(toInboxEmail);
}

/**
 * Empties the stand-in's store (`POST /clear-store`). It also drops stored templates, and it clears
 * the store for every test file at once: only use it when nothing else runs against the stand-in.
 */
export async function clearInbox(sesEndpoint: string): Promise<void> {
  await request(new URL("/clear-store", sesEndpoint), { method: "POST" });
}

function toInboxEmail(email: StoredEmail): InboxEmail {
  return {
    messageId: email.messageId,
    from: email.from,
    to: email.destination.to,
    cc: email.destination.cc,
    bcc: email.destination.bcc,
    subject: email.subject,
    // The stand-in keeps absent bodies as undefined; keep them absent rather than empty.
    ...(email.body.text === undefined ? {} : { text: email.body.text }),
    ...(email.body.html === undefined ? {} : { html: email.body.html }),
    at: new Date(email.at * 1000),
  };
}

async function request(url: URL, init: RequestInit): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    throw new SesInboxError(`The SES stand-in at ${url.origin} did not answer`, { cause: error });
  }
  if (!response.ok) {
    throw new SesInboxError(
      `${init.method} ${url.pathname} on the SES stand-in answered ${response.status}: ${await response.text()}`,
    );
  }
  return response.json();
}
