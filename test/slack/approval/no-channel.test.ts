import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { INPUT_ACTION_ID } from "../../../src/slack/block-kit.ts";
import { SET_PASSWORD_BLOCKS } from "../../../src/slack/contract.ts";
import { createTestUser } from "../../support/reset-fixture.ts";
import { type SlackPassdesk, startSlackPassdesk } from "../../support/slack-passdesk.ts";
import { openSetPasswordModal, submitSetPassword } from "../../support/slack-views.ts";

describe("four-eyes /set-password without a channel for its cards", () => {
  let slack: SlackPassdesk;

  beforeAll(async () => {
    slack = await startSlackPassdesk("pglite", {
      env: { SET_PASSWORD_APPROVAL: "required", SLACK_AUDIT_CHANNEL: "" },
      seed: (repo) => createTestUser(repo, "jane@example.com").then(() => undefined),
    });
  });
  afterAll(async () => {
    await slack?.close();
  });

  it("refuses the request in the modal, and records none", async () => {
    const view = await openSetPasswordModal(slack, "jane@example.com");
    const { body } = await submitSetPassword(slack, view, {
      [SET_PASSWORD_BLOCKS.reason]: {
        [INPUT_ACTION_ID]: { type: "plain_text_input", value: "locked out" },
      },
    });
    expect(body).toMatchObject({
      response_action: "errors",
      errors: { [SET_PASSWORD_BLOCKS.reason]: expect.stringContaining("SLACK_APPROVAL_CHANNEL") },
    });
    expect(slack.fake.calls("chat.postMessage")).toEqual([]);
    const requests = await slack.inspect((repo) => repo.audit.tail(50));
    expect(requests.map((row) => row.action)).not.toContain("password.set_requested");
  });
});
