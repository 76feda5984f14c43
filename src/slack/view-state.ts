import type { ViewOutput } from "@slack/bolt";
import { isSlackUserId } from "./block-kit.ts";

/** `view.state.values` as Slack documents it: block ID → action ID → element state. */
export type ViewStateValues = ViewOutput["state"]["values"];

// Readers take `unknown`: even a correctly signed view_submission is built by a client we do not
// control, so every level is checked before use and only own properties are read (a block ID of
// "__proto__" must not reach Object.prototype).
function readProperty(source: unknown, key: string): unknown {
  if (typeof source !== "object" || source === null || Array.isArray(source)) return undefined;
  return Object.hasOwn(source, key) ? (source as Record<string, unknown>)[key] : undefined;
}

function readElement(values: unknown, blockId: string, actionId: string): unknown {
  return readProperty(readProperty(values, blockId), actionId);
}

/** A `plain_text_input`'s value, or undefined when absent, empty or not a string. */
export function readTextValue(
  values: unknown,
  blockId: string,
  actionId: string,
): string | undefined {
  const value = readProperty(readElement(values, blockId, actionId), "value");
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** The value of a `radio_buttons` or `static_select`'s selected option. */
export function readSelectedOption(
  values: unknown,
  blockId: string,
  actionId: string,
): string | undefined {
  const value = readProperty(
    readProperty(readElement(values, blockId, actionId), "selected_option"),
    "value",
  );
  return typeof value === "string" ? value : undefined;
}

/** The values of a `checkboxes` element's selected options; non-string values are dropped. */
export function readSelectedOptions(values: unknown, blockId: string, actionId: string): string[] {
  const options = readProperty(readElement(values, blockId, actionId), "selected_options");
  if (!Array.isArray(options)) return [];
  return options
    .map((option) => readProperty(option, "value"))
    .filter((value): value is string => typeof value === "string");
}

/** A `multi_users_select`'s users: well-formed Slack user IDs only, without duplicates. */
export function readSelectedUsers(values: unknown, blockId: string, actionId: string): string[] {
  const users = readProperty(readElement(values, blockId, actionId), "selected_users");
  if (!Array.isArray(users)) return [];
  const valid = users.filter(
    (user): user is string => typeof user === "string" && isSlackUserId(user),
  );
  return [...new Set(valid)];
}
