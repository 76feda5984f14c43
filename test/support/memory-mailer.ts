import type { Mailer, MailerError, OutgoingEmail } from "../../src/email/mailer.ts";

export interface MemoryMailer extends Mailer {
  sent: OutgoingEmail[];
  /** The next `times` sends fail with this error. */
  failNext(times: number, error: MailerError): void;
}

/** A real Mailer that keeps what it sends, for domain tests that need no HTTP. */
export function createMemoryMailer(): MemoryMailer {
  const sent: OutgoingEmail[] = [];
  let failures: { remaining: number; error: MailerError } | undefined;
  return {
    name: "memory",
    sent,
    failNext(times, error) {
      failures = { remaining: times, error };
    },
    async send(email) {
      if (failures && failures.remaining > 0) {
        failures.remaining--;
        throw failures.error;
      }
      sent.push(email);
      return { providerMessageId: `mem-${sent.length}` };
    },
  };
}

export function linkIn(email: OutgoingEmail): string {
  const match = email.text.match(/https?:\/\/\S+\/lo\/reset\?ticket=[A-Za-z0-9_-]+/);
  if (!match) throw new Error(`no reset link in: ${email.text}`);
  return match[0];
}

export function tokenIn(email: OutgoingEmail): string {
  return new URL(linkIn(email)).searchParams.get("ticket") ?? "";
}
