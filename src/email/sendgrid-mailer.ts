import { MailService } from "@sendgrid/mail";
import { parseMailbox } from "./mailbox.ts";
import type { Mailer, OutgoingEmail, SentEmail } from "./mailer.ts";
import { MailerError } from "./mailer.ts";
import { classifySendGridFailure, readHeader } from "./sendgrid-errors.ts";

export interface SendGridMailerOptions {
  apiKey: string;
  /** The API base without `/v3`, e.g. https://api.sendgrid.com or a fake server's URL. */
  apiUrl: string;
  timeoutMillis: number;
  now?: () => number;
}

/** MailService's typings hide its client, which is the only way to change its requests. */
interface ConfigurableClient {
  setDefaultRequest(key: "baseUrl", value: string): unknown;
  setDefaultRequest(key: "maxRedirects", value: number): unknown;
}

/** Sends through SendGrid's v3 Mail Send API with its own client (not the shared singleton). */
export function createSendGridMailer(options: SendGridMailerOptions): Mailer {
  const service = new MailService();
  service.setApiKey(options.apiKey);
  // setApiKey resets the base URL to SendGrid's regional host, so the override must come after.
  const { client } = service as unknown as { client: ConfigurableClient };
  client.setDefaultRequest("baseUrl", options.apiUrl);
  // Mail Send answers 202 or an error, never a redirect. Following one would hand the body (the
  // reset link) to another host; a redirect is reported as the status it is. It also spares
  // every send axios's redirect-following wrapper (a fifth of the client's CPU per send).
  client.setDefaultRequest("maxRedirects", 0);
  service.setTimeout(options.timeoutMillis);
  const now = options.now ?? Date.now;

  return {
    name: "sendgrid",
    async send(email: OutgoingEmail): Promise<SentEmail> {
      const from = parseMailbox(email.from);
      if (from === null) throw new MailerError("invalid sender address", "permanent");
      let response: unknown;
      try {
        [response] = await service.send({
          to: email.to,
          from,
          subject: email.subject,
          text: email.text,
          html: email.html,
          // Click tracking would rewrite the reset link through SendGrid's redirector: the
          // token would then pass through (and be logged by) a third party.
          trackingSettings: { clickTracking: { enable: false, enableText: false } },
          customArgs: { passdesk_ref: email.ref },
        });
      } catch (error) {
        throw classifySendGridFailure(error, { apiKey: options.apiKey, nowMillis: now() });
      }
      const providerMessageId = readHeader(
        (response as { headers?: unknown }).headers,
        "x-message-id",
      );
      return providerMessageId === undefined ? {} : { providerMessageId };
    },
  };
}
