import { SESClient, SendEmailCommand } from "@aws-sdk/client-ses";

export interface OutgoingEmail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
}

export interface Mailer {
  /** Returns the provider's message id. */
  send(email: OutgoingEmail): Promise<string>;
}

export function createSesMailer(config: { region?: string; sesEndpoint?: string }): Mailer {
  const local = config.sesEndpoint !== undefined;
  const ses = new SESClient({
    region: config.region ?? (local ? "us-east-1" : undefined),
    endpoint: config.sesEndpoint,
    credentials: local ? { accessKeyId: "local", secretAccessKey: "local" } : undefined,
  });
  return {
    async send(email) {
      const result = await ses.send(
        new SendEmailCommand({
          Source: email.from,
          Destination: { ToAddresses: email.to },
          Message: {
            Subject: { Data: email.subject, Charset: "UTF-8" },
            Body: {
              Text: { Data: email.text, Charset: "UTF-8" },
              Html: { Data: email.html, Charset: "UTF-8" },
            },
          },
        }),
      );
      return result.MessageId ?? "";
    },
  };
}
