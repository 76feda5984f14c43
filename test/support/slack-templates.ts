import { afterAll, beforeAll, beforeEach, expect } from "vitest";
import type { TemplateName } from "../../src/email/template.ts";
import { INPUT_ACTION_ID } from "../../src/slack/block-kit.ts";
import {
  ACTION_IDS,
  CALLBACK_IDS,
  SHORTCUTS,
  type TEMPLATE_EDIT_BLOCKS,
} from "../../src/slack/contract.ts";
import { templateCardActionsBlock } from "../../src/slack/templates/card.ts";
import type { BackendName } from "./database.ts";
import { type FakeSendGrid, startFakeSendGrid } from "./fake-sendgrid.ts";
import { FAKE_SLACK_BOT, type RecordedCall } from "./fake-slack.ts";
import { SLACK, type SlackPassdesk, STAFF, startSlackPassdesk } from "./slack-passdesk.ts";
import { appHomeOpenedEvent, createTriggerId, type StateValues } from "./slack-requests.ts";
import { type OpenedView, viewOf } from "./slack-views.ts";

export const PUBLIC_URL = "https://passdesk.example.com";
export const ADMIN_EMAIL = "ada@example.com";
export const ADMIN_NAME = "Ada Lovelace";
/** An admin by grant, with no user in the fake Slack directory: users.info fails for them. */
export const OTHER_ADMIN = "U0ADMIN2";

export interface TemplatesPassdesk {
  slack: SlackPassdesk;
  sendgrid: FakeSendGrid;
  driver: ReturnType<typeof createTemplateDriver>;
  close(): Promise<void>;
}

/**
 * A Slack test Passdesk for the password email's surfaces: emails through a fake SendGrid, the
 * admin in the Slack directory with ADMIN_EMAIL, and OTHER_ADMIN granted admin but unknown to it.
 */
export async function startTemplatesPassdesk(backend: BackendName): Promise<TemplatesPassdesk> {
  const sendgrid = await startFakeSendGrid();
  const slack = await startSlackPassdesk(backend, {
    realMailer: true,
    env: { SENDGRID_API_KEY: "SG.templates", SENDGRID_API_URL: sendgrid.url },
    slackUsers: [
      { id: STAFF.admin, teamId: SLACK.teamId, email: ADMIN_EMAIL, realName: ADMIN_NAME },
    ],
    async seed(repo) {
      await repo.roles.grant({
        teamId: SLACK.teamId,
        slackUserId: OTHER_ADMIN,
        role: "admin",
        grantedBy: null,
      });
    },
  });
  return {
    slack,
    sendgrid,
    driver: createTemplateDriver(slack),
    async close() {
      await slack.close();
      await sendgrid.close();
    },
  };
}

/** Opens the user's App Home tab and returns its blocks as JSON. */
/**
 * One TemplatesPassdesk for the enclosing describe block: started before its tests, closed after
 * them, its fake Slack's records cleared and SendGrid recovered before each test. `use` receives
 * it once started.
 */
export function useTemplatesPassdesk(
  backend: BackendName,
  use: (started: TemplatesPassdesk) => void,
): void {
  let passdesk: TemplatesPassdesk | undefined;
  beforeAll(async () => {
    passdesk = await startTemplatesPassdesk(backend);
    use(passdesk);
  });
  afterAll(async () => {
    await passdesk?.close();
  });
  beforeEach(() => {
    passdesk?.slack.fake.reset();
    passdesk?.sendgrid.recover();
  });
}

export async function openHome(slack: SlackPassdesk, userId: string): Promise<string> {
  await slack.send(JSON.stringify(appHomeOpenedEvent({ userId, teamId: SLACK.teamId })));
  const published = await slack.fake.waitForCall(
    "views.publish",
    (call) => call.args.user_id === userId,
  );
  return JSON.stringify(viewOf(published).blocks);
}

export type CardAction =
  | typeof ACTION_IDS.openTemplateEdit
  | typeof ACTION_IDS.openTemplatePreview
  | typeof ACTION_IDS.sendTemplateTest
  | typeof ACTION_IDS.openTemplateHistory;

export const CARD_ACTIONS: CardAction[] = [
  ACTION_IDS.openTemplateEdit,
  ACTION_IDS.openTemplatePreview,
  ACTION_IDS.sendTemplateTest,
  ACTION_IDS.openTemplateHistory,
];

/** A change to one field of the edit modal: text (null empties it) or a checkbox. */
export type EditOverrides = Partial<
  Record<(typeof TEMPLATE_EDIT_BLOCKS)[keyof typeof TEMPLATE_EDIT_BLOCKS], string | null | boolean>
>;

interface InputBlock {
  type: string;
  block_id?: string;
  element?: {
    type: string;
    initial_value?: string;
    options?: Array<{ value: string; text: { type: "plain_text"; text: string } }>;
    initial_options?: Array<{ value: string; text: { type: "plain_text"; text: string } }>;
  };
}

/**
 * `view.state.values` as Slack sends it when the admin submits the modal: each input as the
 * modal opened it, except `overrides`.
 */
export function editState(view: OpenedView, overrides: EditOverrides = {}): StateValues {
  const values: StateValues = {};
  for (const block of view.blocks as unknown as InputBlock[]) {
    if (block.type !== "input" || !block.block_id || !block.element) continue;
    const { element } = block;
    const override = Object.hasOwn(overrides, block.block_id)
      ? overrides[block.block_id as keyof EditOverrides]
      : undefined;
    if (element.type === "checkboxes") {
      const ticked =
        typeof override === "boolean" ? override : Boolean(element.initial_options?.length);
      values[block.block_id] = {
        [INPUT_ACTION_ID]: {
          type: "checkboxes",
          selected_options: ticked ? (element.options ?? []) : [],
        },
      };
    } else {
      const value =
        override === undefined ? (element.initial_value ?? null) : (override as string | null);
      values[block.block_id] = {
        [INPUT_ACTION_ID]: { type: element.type, value: value === "" ? null : value },
      };
    }
  }
  return values;
}

/** Drives the change-password email's Slack surfaces for one test Passdesk. */
export function createTemplateDriver(slack: SlackPassdesk) {
  async function waitForOpened(triggerId: string): Promise<RecordedCall> {
    return slack.fake.waitForCall("views.open", (call) => call.args.trigger_id === triggerId);
  }

  /**
   * Clicks a button of a template's App Home card; returns the trigger_id it carried. Without a
   * template, the button carries no value, as those published before there were two templates.
   */
  async function clickCard(
    actionId: string,
    userId: string = STAFF.admin,
    template?: TemplateName,
  ): Promise<string> {
    const triggerId = createTriggerId();
    const response = await slack.action({
      userId,
      teamId: SLACK.teamId,
      actionId,
      blockId: templateCardActionsBlock(template ?? "change_password"),
      ...(template && { value: template }),
      triggerId,
      view: { type: "home", viewId: "VHOME" },
    });
    expect(response.status).toBe(200);
    return triggerId;
  }

  /** Uses the "Edit password email" global shortcut; returns its trigger_id. */
  async function useShortcut(userId: string = STAFF.admin): Promise<string> {
    const triggerId = createTriggerId();
    const response = await slack.sendPayload({
      type: "shortcut",
      callback_id: SHORTCUTS.editPasswordEmail.callbackId,
      trigger_id: triggerId,
      action_ts: `${Date.now() / 1000}`,
      token: "fakeVerificationToken000001",
      api_app_id: FAKE_SLACK_BOT.appId,
      is_enterprise_install: false,
      enterprise: null,
      user: { id: userId, username: `user-${userId.toLowerCase()}`, team_id: SLACK.teamId },
      team: { id: SLACK.teamId, domain: "passdesk-test" },
    });
    expect(response.status).toBe(200);
    return triggerId;
  }

  async function openEditor(
    via: "card" | "shortcut" = "card",
    userId: string = STAFF.admin,
    template?: TemplateName,
  ): Promise<OpenedView> {
    const triggerId =
      via === "card"
        ? await clickCard(ACTION_IDS.openTemplateEdit, userId, template)
        : await useShortcut(userId);
    const view = viewOf(await waitForOpened(triggerId));
    expect(view.callback_id).toBe(CALLBACK_IDS.templateEditModal);
    return view;
  }

  function submitEdit(view: OpenedView, overrides: EditOverrides, userId: string = STAFF.admin) {
    return slack.submitView({
      userId,
      teamId: SLACK.teamId,
      callbackId: CALLBACK_IDS.templateEditModal,
      privateMetadata: view.private_metadata,
      viewId: view.id,
      hash: view.hash,
      values: editState(view, overrides),
    });
  }

  /** Opens the editor and saves `overrides`; returns the version saved. */
  async function save(overrides: EditOverrides, template?: TemplateName): Promise<number> {
    const submitted = await submitEdit(await openEditor("card", STAFF.admin, template), overrides);
    const text = JSON.stringify(submitted.body);
    const version = /Saved as version (\d+)/.exec(text)?.[1];
    if (!version) throw new Error(`not saved: ${text}`);
    return Number(version);
  }

  return { waitForOpened, clickCard, useShortcut, openEditor, submitEdit, save };
}

export function versionOf(view: OpenedView): number {
  return (JSON.parse(view.private_metadata) as { version: number }).version;
}
