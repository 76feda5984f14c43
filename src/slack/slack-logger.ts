import { LogLevel, type Logger as SlackLogger } from "@slack/bolt";
import type { Logger } from "../logger.ts";
import { isError } from "../serialize-error.ts";

/**
 * Bolt and the Web API client log through Passdesk's pino logger. An Error among the parts (Bolt
 * logs a failed listener's error as it is) goes to `err`, through the logger's error serializer:
 * JSON.stringify would copy a failed statement's parameters into the line.
 */
export function createSlackLogger(logger: Logger): SlackLogger {
  const child = logger.child({ component: "slack" });
  let level = LogLevel.INFO;
  const log = (write: (fields: object, message: string) => void, parts: unknown[]) => {
    const err = parts.find(isError);
    const text = parts
      .map((part) =>
        typeof part === "string" ? part : isError(part) ? part.name : JSON.stringify(part),
      )
      .join(" ");
    write(err ? { err } : {}, text);
  };
  return {
    debug: (...parts) => log((fields, message) => child.debug(fields, message), parts),
    info: (...parts) => log((fields, message) => child.info(fields, message), parts),
    warn: (...parts) => log((fields, message) => child.warn(fields, message), parts),
    error: (...parts) => log((fields, message) => child.error(fields, message), parts),
    setLevel: (next) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => {},
  };
}
