import pino, { type DestinationStream, type Logger } from "pino";
import { isError, type SerializedError, serializeError } from "./serialize-error.ts";

export type { Logger };

/**
 * JSON logs; human-readable when a person is watching the terminal. Every Error in a log line —
 * `err` or any other field, and each one's `cause` — goes through serializeError, so no
 * statement parameter (a password hash, a ticket digest) reaches the log.
 */
export function createLogger(
  level: string,
  pretty = process.stdout.isTTY === true,
  destination?: DestinationStream,
): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: undefined,
    redact: {
      paths: [
        "password",
        "*.password",
        "token",
        "*.token",
        "ticket",
        "*.ticket",
        "apiKey",
        "*.apiKey",
      ],
      censor: "[redacted]",
    },
    serializers: { err: serializeError },
    formatters: { log: serializeErrorFields },
    hooks: {
      // Without a message of its own, pino logs the error's raw message as `msg`.
      logMethod(args, method) {
        const [first, ...rest] = args as unknown[];
        if (isError(first)) {
          const message = rest.length > 0 ? rest : [safeMessage(first)];
          return method.apply(this, [{ err: first }, ...message] as Parameters<typeof method>);
        }
        const fields = first as { err?: unknown; msg?: unknown } | null;
        if (rest.length === 0 && isError(fields?.err) && fields.msg === undefined) {
          return method.apply(this, [first, safeMessage(fields.err)] as Parameters<typeof method>);
        }
        return method.apply(this, args);
      },
    },
    ...(pretty && !destination
      ? { transport: { target: "pino-pretty", options: { colorize: true } } }
      : {}),
  };
  return destination ? pino(options, destination) : pino(options);
}

function serializeErrorFields(fields: Record<string, unknown>): Record<string, unknown> {
  let serialized: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(fields)) {
    if (!isError(value)) continue;
    serialized ??= { ...fields };
    serialized[key] = serializeError(value);
  }
  return serialized ?? fields;
}

function safeMessage(error: Error): string {
  return (serializeError(error) as SerializedError).message;
}
