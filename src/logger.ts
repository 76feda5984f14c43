import pino, { type Logger } from "pino";

export type { Logger };

/** JSON logs; human-readable when a person is watching the terminal. */
export function createLogger(level: string, pretty = process.stdout.isTTY === true): Logger {
  return pino({
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
    ...(pretty ? { transport: { target: "pino-pretty", options: { colorize: true } } } : {}),
  });
}
