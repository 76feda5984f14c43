/** One rendered email, ready for a provider. */
export interface OutgoingEmail {
  to: string;
  /** `address` or `Name <address>`; never contains CR or LF. */
  from: string;
  subject: string;
  html: string;
  text: string;
  /** Opaque, personal-data-free id (the outbox row's message_ref), echoed by delivery events. */
  ref: string;
}

export interface SentEmail {
  /** The provider's id for the message, when it gives one. */
  providerMessageId?: string;
}

/** Sends one email or throws a MailerError that says whether retrying can help. */
export interface Mailer {
  readonly name: string;
  send(email: OutgoingEmail): Promise<SentEmail>;
}

export type MailerFailure =
  /** Network error, timeout, 429 or 5xx: try again later. */
  | "retryable"
  /** Any other 4xx: the request itself is wrong; retrying cannot help. */
  | "permanent";

export class MailerError extends Error {
  constructor(
    message: string,
    readonly failure: MailerFailure,
    readonly details: {
      status?: number;
      /** From Retry-After or the provider's rate-limit reset, when it said. */
      retryAfterSeconds?: number;
      /** A timeout leaves it unknown whether the provider accepted the message. */
      outcomeUnknown?: boolean;
      /**
       * The provider was never called (the sender stopped, or the email waited too long for a
       * place): the email is due again at once, and this attempt does not count.
       */
      notAttempted?: boolean;
    } = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "MailerError";
  }
}
