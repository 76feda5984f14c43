import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { backends } from "../../support/database.ts";
import type { FakeSendGrid } from "../../support/fake-sendgrid.ts";
import { type SlackPassdesk, STAFF } from "../../support/slack-passdesk.ts";
import {
  CARD_ACTIONS,
  openHome,
  startTemplatesPassdesk,
  type TemplatesPassdesk,
} from "../../support/slack-templates.ts";

describe.each(backends)("the password email's App Home card on %s", (backend) => {
  let passdesk: TemplatesPassdesk;
  let slack: SlackPassdesk;
  let sendgrid: FakeSendGrid;

  beforeAll(async () => {
    passdesk = await startTemplatesPassdesk(backend);
    ({ slack, sendgrid } = passdesk);
  });
  afterAll(async () => {
    await passdesk?.close();
  });
  beforeEach(() => {
    slack.fake.reset();
    sendgrid.recover();
  });

  describe("the App Home card", () => {
    it("shows admins the email's settings with Edit, Preview, Send test and History", async () => {
      const home = await openHome(slack, STAFF.admin);

      expect(home).toContain("*Change Password email*");
      expect(home).toContain("EMAIL_FROM default");
      expect(home).toContain("5 days");
      expect(home).toMatch(/\*Redirect To\*\\nnone/);
      for (const actionId of CARD_ACTIONS) expect(home).toContain(`"action_id":"${actionId}"`);
    });

    it("shows support staff the same card without its buttons", async () => {
      const home = await openHome(slack, STAFF.support);

      expect(home).toContain("*Change Password email*");
      for (const actionId of CARD_ACTIONS) expect(home).not.toContain(actionId);
    });

    it("shows a user without a role nothing of it", async () => {
      const home = await openHome(slack, STAFF.nobody);

      expect(home).not.toContain("Change Password email");
      expect(home).not.toContain("{{");
    });
  });
});
