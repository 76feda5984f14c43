import type { Logger } from "../logger.ts";
import type { Mailer, OutgoingEmail, SentEmail } from "./mailer.ts";

/**
 * For the quick start without a SendGrid account: logs the email, link included, instead of
 * sending it. Never fails.
 */
export function createConsoleMailer(logger: Logger): Mailer {
  return {
    name: "console",
    async send(email: OutgoingEmail): Promise<SentEmail> {
      logger.info(
        {
          to: email.to,
          from: email.from,
          subject: email.subject,
          ref: email.ref,
          text: email.text,
        },
        "email (console mailer: not sent)",
      );
      return {};
    },
  };
}
