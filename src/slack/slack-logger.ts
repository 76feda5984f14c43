import { LogLevel, type Logger as SlackLogger } from "@slack/bolt";
import type { Logger } from "../logger.ts";
import { isError } from "../serialize-error.ts";

/**
 * Bolt and the Web API client log through Passdesk's pino logger. An Error among the parts (Bolt
 * logs a failed listener's error as it is) goes to `err`, through the logger's error serializer:
 * JSON.stringify would copy a failed statement's parameters into the line.
 */
const API_BODY = /^(http request (?:body|result)):[\s\S]*$/;

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
    // The Web API client logs every request's and answer's body at debug level: those bodies
    // carry what Passdesk shows in Slack, a revealed password's modal included. Only that they
    // happened is logged.
    debug: (...parts) =>
      log(
        (fields, message) => child.debug(fields, message.replace(API_BODY, "$1: [not logged]")),
        parts,
      ),
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
