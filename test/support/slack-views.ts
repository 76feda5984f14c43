import type { ViewStateSelectedOption } from "@slack/bolt";
import { INPUT_ACTION_ID } from "../../src/slack/block-kit.ts";
import {
  ACTION_IDS,
  CALLBACK_IDS,
  COMMANDS,
  MANAGE_ROLES_BLOCKS,
  SET_PASSWORD_BLOCKS,
} from "../../src/slack/contract.ts";
import type { RecordedCall } from "./fake-slack.ts";
import { SLACK, type SlackPassdesk, STAFF } from "./slack-passdesk.ts";
import { createTriggerId, type StateValues } from "./slack-requests.ts";

/** A view as the fake Slack stored it: what the next interaction payload refers to. */
export interface OpenedView {
  id: string;
  hash: string;
  callback_id: string;
  private_metadata: string;
  blocks: Array<Record<string, unknown>>;
}

export function viewOf(call: RecordedCall): OpenedView {
  const view = call.response?.view;
  if (!view) throw new Error(`${call.method} answered no view`);
  return view as OpenedView;
}

export function blockIds(view: { blocks: Array<Record<string, unknown>> }): string[] {
  return view.blocks.map((block) => block.block_id).filter((id) => typeof id === "string");
}

function option(value: string): ViewStateSelectedOption {
  return { text: { type: "plain_text", text: value }, value };
}

function notifyState(notify: boolean): StateValues {
  return {
    [SET_PASSWORD_BLOCKS.notify]: {
      [INPUT_ACTION_ID]: {
        type: "checkboxes",
        selected_options: notify ? [option("notify")] : [],
      },
    },
  };
}

function modeState(mode: "type" | "generate" | "send"): StateValues {
  return {
    [SET_PASSWORD_BLOCKS.mode]: {
      [ACTION_IDS.setPasswordMode]: { type: "radio_buttons", selected_option: option(mode) },
    },
  };
}

/** `view.state.values` of the set-password modal with a typed password, as Slack sends it. */
export function typedPasswordState(
  password: string,
  confirmation = password,
  { notify = false } = {},
): StateValues {
  return {
    ...modeState("type"),
    [SET_PASSWORD_BLOCKS.password]: {
      [INPUT_ACTION_ID]: { type: "plain_text_input", value: password },
    },
    [SET_PASSWORD_BLOCKS.confirmation]: {
      [INPUT_ACTION_ID]: { type: "plain_text_input", value: confirmation },
    },
    ...notifyState(notify),
  };
}

/** The set-password modal in "generate" mode: no password inputs are shown, so none are sent. */
export function generatedPasswordState({ notify = false } = {}): StateValues {
  return { ...modeState("generate"), ...notifyState(notify) };
}

/** The set-password modal in "send it to the user" mode: nothing else is shown, so nothing sent. */
export function sentPasswordState(): StateValues {
  return modeState("send");
}

export function manageRolesState(roles: { admins: string[]; support: string[] }): StateValues {
  const picker = (users: string[]) => ({
    [INPUT_ACTION_ID]: { type: "multi_users_select", selected_users: users },
  });
  return {
    [MANAGE_ROLES_BLOCKS.admins]: picker(roles.admins),
    [MANAGE_ROLES_BLOCKS.support]: picker(roles.support),
  };
}

/** The password shown in the set-password confirmation view, with mrkdwn's escapes undone. */
export function shownPassword(view: { blocks: Array<Record<string, unknown>> }): string {
  for (const block of view.blocks) {
    const text = (block.text as { text?: string } | undefined)?.text ?? "";
    const match = /```([\s\S]+)```/.exec(text);
    if (match?.[1]) {
      return match[1].replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&amp;", "&");
    }
  }
  throw new Error("the view shows no password");
}

/**
 * Runs /set-password as `userId` and returns the modal the fake Slack opened with the command's
 * trigger_id (it times out when no modal opens).
 */
export async function openSetPasswordModal(
  slack: SlackPassdesk,
  target: string,
  userId: string = STAFF.admin,
): Promise<OpenedView> {
  const triggerId = createTriggerId();
  const command = await slack.command(userId, COMMANDS.setPassword, target, triggerId);
  if (command.response.status !== 200 || command.ackBody !== "") {
    throw new Error(`/set-password answered ${command.response.status} ${command.ackBody}`);
  }
  const opened = await slack.fake.waitForCall(
    "views.open",
    (call) => call.args.trigger_id === triggerId,
  );
  return viewOf(opened);
}

/** Submits the set-password modal as `userId`, as Slack would. */
export function submitSetPassword(
  slack: SlackPassdesk,
  view: OpenedView,
  values: StateValues,
  userId: string = STAFF.admin,
) {
  return slack.submitView({
    userId,
    teamId: SLACK.teamId,
    callbackId: CALLBACK_IDS.setPasswordModal,
    privateMetadata: view.private_metadata,
    viewId: view.id,
    hash: view.hash,
    values,
  });
}
