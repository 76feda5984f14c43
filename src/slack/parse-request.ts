import { findIllFormedText } from "../well-formed-text.ts";

/** What a POST to /slack/events carries, once its body has been read and decoded. */
export type SlackRequest =
  | { kind: "ssl_check" }
  | { kind: "url_verification"; challenge: string }
  | { kind: "event"; body: Record<string, unknown> }
  | { kind: "invalid"; reason: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * An event, unless some string in it is not well-formed Unicode: a lone surrogate (only JSON's
 * `\ud800` escape can make one) would be stored and compared as another string than the one sent.
 */
function toEvent(body: Record<string, unknown>): SlackRequest {
  const illFormed = findIllFormedText(body);
  return illFormed === undefined
    ? { kind: "event", body }
    : { kind: "invalid", reason: `text that is not well-formed Unicode at ${illFormed}` };
}

/**
 * Decodes the three shapes Slack sends: form-encoded slash commands, form-encoded `payload=`
 * interactivity, and JSON events. `ssl_check` is recognised before anything else is read from
 * the body, so whatever else it carries is ignored.
 */
export function parseSlackRequest(contentType: string, rawBody: string): SlackRequest {
  const mediaType = contentType.split(";")[0]?.trim().toLowerCase();
  if (mediaType === "application/x-www-form-urlencoded") {
    const form = new URLSearchParams(rawBody);
    if (form.get("ssl_check") === "1") return { kind: "ssl_check" };
    const payload = form.get("payload");
    if (payload !== null) {
      try {
        const parsed: unknown = JSON.parse(payload);
        return isRecord(parsed)
          ? toEvent(parsed)
          : { kind: "invalid", reason: "payload is not an object" };
      } catch {
        return { kind: "invalid", reason: "payload is not JSON" };
      }
    }
    if (!form.has("command")) return { kind: "invalid", reason: "neither a command nor a payload" };
    // Every check downstream keys on who asked and where to answer: a command without them is malformed.
    for (const field of ["user_id", "team_id", "response_url"]) {
      if (!form.get(field)) return { kind: "invalid", reason: `command without ${field}` };
    }
    return toEvent(Object.fromEntries(form));
  }
  if (mediaType === "application/json") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(rawBody);
    } catch {
      return { kind: "invalid", reason: "body is not JSON" };
    }
    if (!isRecord(parsed)) return { kind: "invalid", reason: "body is not an object" };
    const illFormed = findIllFormedText(parsed);
    if (illFormed !== undefined) {
      return { kind: "invalid", reason: `text that is not well-formed Unicode at ${illFormed}` };
    }
    if (parsed.type === "url_verification") {
      return typeof parsed.challenge === "string"
        ? { kind: "url_verification", challenge: parsed.challenge }
        : { kind: "invalid", reason: "url_verification without a challenge" };
    }
    return { kind: "event", body: parsed };
  }
  return { kind: "invalid", reason: `unsupported content type ${mediaType || "(none)"}` };
}
