import type { SlackStart } from "./app.ts";

export interface BannerLine {
  level: "info" | "warn" | "error";
  text: string;
}

/** The banner's Slack line: on (and how), off (and why), or on while Slack does not answer. */
export function describeSlackStart(
  start: SlackStart | undefined,
  context: { publicUrl: string; missing: readonly string[] },
): BannerLine {
  if (!start) return { level: "info", text: `Slack: off — set ${context.missing.join(" and ")}` };
  if (!start.ok) {
    return {
      level: "error",
      text: `Slack: off — ${start.token} rejected (${start.error}); fix it and restart Passdesk`,
    };
  }
  const { mode, unreachableAtStart } = start.slack;
  const how = mode === "socket" ? "Socket Mode" : `requests at ${context.publicUrl}/slack/events`;
  if (!unreachableAtStart) return { level: "info", text: `Slack: on — ${how}` };
  const retry =
    mode === "socket"
      ? "Socket Mode keeps trying to connect in the background"
      : "the bot token is checked again in the background";
  return {
    level: "warn",
    text: `Slack: on — ${how}; Slack did not answer at start (${unreachableAtStart}): ${retry}`,
  };
}
