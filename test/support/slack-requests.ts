import { createHmac, randomBytes } from "node:crypto";
import type {
  BlockAction,
  EnvelopedEvent,
  types,
  ViewOutput,
  ViewStateValue,
  ViewSubmitAction,
} from "@slack/bolt";
import { FAKE_SLACK_BOT } from "./fake-slack.ts";

/**
 * Bodies and headers shaped like the requests Slack sends to Passdesk's /slack/events, after
 * Slack's documented payloads (docs.slack.dev/reference/interaction-payloads and /events).
 */

/** Slack's legacy verification token: still in every payload, and never to be trusted. */
export const FAKE_VERIFICATION_TOKEN = "fakeVerificationToken000001";
const TEAM_DOMAIN = "passdesk-test";

export type StateValues = Record<string, Record<string, ViewStateValue>>;
export type SlackSignatureHeaders = {
  "x-slack-signature": string;
  "x-slack-request-timestamp": string;
};
/** Outside Enterprise Grid, Slack sends `enterprise: null`, which Bolt's types leave out. */
type NotEnterprise<T> = Omit<T, "enterprise"> & { enterprise: null };
type SlackUser = { id: string; username: string; name: string; team_id: string };
export type ViewSubmissionPayload = NotEnterprise<ViewSubmitAction> & { user: SlackUser };
export type BlockActionsPayload = NotEnterprise<Omit<BlockAction, "response_url" | "actions">> & {
  user: SlackUser;
  actions: Array<Record<string, unknown>>;
  /** Only for actions in messages; Slack leaves it out for modals and the Home tab. */
  response_url?: string;
};

export function signSlackRequest(
  body: string,
  signingSecret: string,
  timestampSeconds = Math.floor(Date.now() / 1000),
): SlackSignatureHeaders {
  const digest = createHmac("sha256", signingSecret)
    .update(`v0:${timestampSeconds}:${body}`)
    .digest("hex");
  return {
    "x-slack-signature": `v0=${digest}`,
    "x-slack-request-timestamp": `${timestampSeconds}`,
  };
}

/** A signed POST with the content type Slack uses for this body, for fetch() or app.request(). */
export function createSignedRequest(
  body: string,
  signingSecret: string,
  timestampSeconds?: number,
): { method: "POST"; headers: Record<string, string>; body: string } {
  const contentType = body.startsWith("{")
    ? "application/json"
    : "application/x-www-form-urlencoded";
  return {
    method: "POST",
    headers: {
      "content-type": contentType,
      ...signSlackRequest(body, signingSecret, timestampSeconds),
    },
    body,
  };
}

/** How Slack writes an @mention in command text when the command has should_escape: true. */
export function escapedMention(userId: string, userName: string): string {
  return `<@${userId}|${userName}>`;
}

export function slashCommandBody(command: {
  command: string;
  text: string;
  userId: string;
  teamId: string;
  responseUrl: string;
  triggerId?: string;
  channelId?: string;
  userName?: string;
}): string {
  return new URLSearchParams({
    token: FAKE_VERIFICATION_TOKEN,
    team_id: command.teamId,
    team_domain: TEAM_DOMAIN,
    channel_id: command.channelId ?? "C0SUPPORT",
    channel_name: "support",
    user_id: command.userId,
    user_name: command.userName ?? "staff",
    command: command.command,
    text: command.text,
    api_app_id: FAKE_SLACK_BOT.appId,
    is_enterprise_install: "false",
    response_url: command.responseUrl,
    trigger_id: command.triggerId ?? createTriggerId(),
  }).toString();
}

/** Interactivity (block_actions, view_submission…) arrives as a form with one JSON field. */
export function interactivityBody(payload: object): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

export interface ViewSpec {
  teamId: string;
  callbackId?: string;
  privateMetadata?: string;
  values?: StateValues;
  viewId?: string;
  hash?: string;
  type?: "modal" | "home";
  blocks?: ViewOutput["blocks"];
}

export function viewSubmissionPayload(
  submission: ViewSpec & { userId: string; callbackId: string; values: StateValues },
): ViewSubmissionPayload {
  return {
    type: "view_submission",
    team: { id: submission.teamId, domain: TEAM_DOMAIN },
    user: slackUser(submission.userId, submission.teamId),
    api_app_id: FAKE_SLACK_BOT.appId,
    token: FAKE_VERIFICATION_TOKEN,
    trigger_id: createTriggerId(),
    view: viewOutput(submission),
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
}

export function blockActionsPayload(action: {
  userId: string;
  teamId: string;
  actionId: string;
  blockId: string;
  value?: string;
  selectedOption?: { value: string; text?: string };
  /** Defaults to radio_buttons with a selectedOption, else button. */
  elementType?: string;
  triggerId?: string;
  /** The modal or Home tab the action happened in; without it, an ephemeral message. */
  view?: Omit<ViewSpec, "teamId">;
  responseUrl?: string;
}): BlockActionsPayload {
  const { selectedOption, view } = action;
  const element = {
    type: action.elementType ?? (selectedOption ? "radio_buttons" : "button"),
    action_id: action.actionId,
    block_id: action.blockId,
    action_ts: eventTs(),
    ...(action.value === undefined ? {} : { value: action.value }),
    ...(selectedOption === undefined
      ? { text: plainText("Button") }
      : {
          selected_option: {
            text: plainText(selectedOption.text ?? selectedOption.value),
            value: selectedOption.value,
          },
        }),
  };
  const output = view && viewOutput({ ...view, teamId: action.teamId });
  const source = output
    ? { container: { type: "view", view_id: output.id }, view: output }
    : {
        container: {
          type: "message",
          message_ts: eventTs(),
          channel_id: "C0SUPPORT",
          is_ephemeral: true,
        },
        channel: { id: "C0SUPPORT", name: "support" },
        response_url: action.responseUrl ?? "https://hooks.slack.com/actions/T0001/1/unused",
      };
  return {
    type: "block_actions",
    team: { id: action.teamId, domain: TEAM_DOMAIN },
    user: slackUser(action.userId, action.teamId),
    api_app_id: FAKE_SLACK_BOT.appId,
    token: FAKE_VERIFICATION_TOKEN,
    trigger_id: action.triggerId ?? createTriggerId(),
    actions: [element],
    is_enterprise_install: false,
    enterprise: null,
    ...source,
  };
}

export function appHomeOpenedEvent(opened: {
  userId: string;
  teamId: string;
  channelId?: string;
}): EnvelopedEvent<types.AppHomeOpenedEvent> {
  const eventTimeSeconds = Math.floor(Date.now() / 1000);
  return {
    token: FAKE_VERIFICATION_TOKEN,
    team_id: opened.teamId,
    api_app_id: FAKE_SLACK_BOT.appId,
    event: {
      type: "app_home_opened",
      user: opened.userId,
      channel: opened.channelId ?? "D0HOME",
      tab: "home",
      event_ts: eventTs(),
    },
    type: "event_callback",
    event_id: `Ev${randomBytes(5).toString("hex").toUpperCase()}`,
    event_time: eventTimeSeconds,
    authorizations: [
      {
        enterprise_id: null,
        team_id: opened.teamId,
        user_id: FAKE_SLACK_BOT.userId,
        is_bot: true,
        is_enterprise_install: false,
      },
    ],
    is_ext_shared_channel: false,
  };
}

export function urlVerificationBody(challenge: string): string {
  return JSON.stringify({ token: FAKE_VERIFICATION_TOKEN, challenge, type: "url_verification" });
}

/** Slack's periodic certificate check for slash command URLs: answer 200, do nothing. */
export function sslCheckBody(): string {
  return new URLSearchParams({ ssl_check: "1", token: FAKE_VERIFICATION_TOKEN }).toString();
}

/** Shaped like Slack's: "<digits>.<digits>.<hex>"; valid for 3 s in real Slack. */
export function createTriggerId(): string {
  const digits = () => String(Math.floor(Math.random() * 1e12));
  return `${digits()}.${digits()}.${randomBytes(16).toString("hex")}`;
}

function viewOutput(spec: ViewSpec): ViewOutput {
  const id = spec.viewId ?? `V${randomBytes(5).toString("hex").toUpperCase()}`;
  const modal = (spec.type ?? "modal") === "modal";
  return {
    id,
    team_id: spec.teamId,
    type: spec.type ?? "modal",
    blocks: spec.blocks ?? [],
    private_metadata: spec.privateMetadata ?? "",
    callback_id: spec.callbackId ?? "",
    state: { values: spec.values ?? {} },
    hash: spec.hash ?? `${Math.floor(Date.now() / 1000)}.${randomBytes(4).toString("hex")}`,
    title: plainText("Passdesk"),
    clear_on_close: false,
    notify_on_close: false,
    close: modal ? plainText("Cancel") : null,
    submit: modal ? plainText("Save") : null,
    previous_view_id: null,
    root_view_id: id,
    app_id: FAKE_SLACK_BOT.appId,
    external_id: "",
    app_installed_team_id: spec.teamId,
    bot_id: FAKE_SLACK_BOT.botId,
  };
}

function slackUser(userId: string, teamId: string): SlackUser {
  const username = `user-${userId.toLowerCase()}`;
  return { id: userId, username, name: username, team_id: teamId };
}

function plainText(text: string): { type: "plain_text"; text: string; emoji: true } {
  return { type: "plain_text", text, emoji: true };
}

function eventTs(): string {
  return `${(Date.now() / 1000).toFixed(6)}`;
}
