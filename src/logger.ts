import pino, { type DestinationStream, type Logger } from "pino";
import { isError, type SerializedError, serializeError } from "./serialize-error.ts";

export type { Logger };

/**
 * JSON logs; human-readable when a person is watching the terminal. Every Error in a log line —
 * `err` or any other field, also inside plain objects and arrays, and each one's `cause` — goes
 * through serializeError, so no statement parameter (a password hash, a ticket digest) reaches
 * the log.
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

/** Plain objects and arrays are searched this deep for Errors; log fields are shallow. */
const MAX_FIELD_DEPTH = 3;

function serializeErrorFields(fields: Record<string, unknown>): Record<string, unknown> {
  return serializeNestedErrors(fields, 0) as Record<string, unknown>;
}

/** The value with every Error in it serialized; the value itself when it holds none. */
function serializeNestedErrors(value: unknown, depth: number): unknown {
  if (isError(value)) return serializeError(value);
  if (depth >= MAX_FIELD_DEPTH || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    const items = value.map((item) => serializeNestedErrors(item, depth + 1));
    return items.some((item, index) => item !== value[index]) ? items : value;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  let copy: Record<string, unknown> | undefined;
  for (const [key, item] of Object.entries(value)) {
    const serialized = serializeNestedErrors(item, depth + 1);
    if (serialized === item) continue;
    copy ??= { ...(value as Record<string, unknown>) };
    copy[key] = serialized;
  }
  return copy ?? value;
}

function safeMessage(error: Error): string {
  return (serializeError(error) as SerializedError).message;
}
