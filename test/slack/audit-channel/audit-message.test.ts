import { describe, expect, it } from "vitest";
import { buildAuditMessage } from "../../../src/slack/audit-channel/audit-message.ts";
import { textsOf } from "../../support/slack-blocks.ts";

describe("buildAuditMessage", () => {
  const at = new Date("2030-01-02T03:04:05.678Z");

  it("says who did what to whom, masked, with connection, time and request id", () => {
    const message = buildAuditMessage({
      at,
      actorSlackUserId: "U0ADMIN",
      action: "password.set",
      outcome: "ok",
      targetEmail: "jane@example.com",
      connection: "Username-Password",
      requestId: "req-123",
    });
    const all = [message.text, ...textsOf(message.blocks)].join("\n");
    expect(message.text).toContain("<@U0ADMIN> set a password for j•••@example.com");
    expect(all).not.toContain("jane@");
    expect(all).toContain("Username-Password");
    expect(all).toContain("req-123");
    expect(all).toContain("<!date^1893553445^{date_short_pretty} {time}|2030-01-02T03:04:05.678Z>");
  });

  it("names non-Slack actors by label and phrases known actions", () => {
    const phrase = (action: string, actorLabel = "public API") =>
      buildAuditMessage({ at, actorLabel, action, outcome: "ok" }).text;
    expect(phrase("password_reset.requested")).toContain("public API requested a password reset");
    expect(phrase("password_reset.completed", "CLI")).toContain("CLI completed a password reset");
    expect(phrase("access.denied")).toContain("was denied");
    expect(phrase("signup")).toContain("public API created an account (signup)");
    expect(phrase("template.updated")).toContain("public API changed the password email");
    expect(phrase("widget.frobbed")).toContain("`widget.frobbed`");
  });

  it("describes role changes from the allowed details", () => {
    const message = buildAuditMessage({
      at,
      actorSlackUserId: "U0ADMIN",
      action: "role.granted",
      outcome: "ok",
      details: { role: "support", slackUserId: "U0NEW" },
    });
    expect(message.text).toContain("<@U0ADMIN> granted the *support* role to <@U0NEW>");
  });

  it("never posts a detail that is not allow-listed, nor a link or email in an allowed one", () => {
    const message = buildAuditMessage({
      at,
      actorSlackUserId: "U0ADMIN",
      action: "password_reset.requested",
      outcome: "queued",
      targetEmail: "jane@example.com",
      details: {
        password: "hunter2-secret",
        token: "tok_abcdef",
        url: "https://passdesk.example/reset?ticket=abc",
        apiKey: "SG.key",
        reason: "https://evil.example/x",
        role: "jane@example.com",
        count: 3,
        teamId: "T0TEAM",
      },
    });
    const all = JSON.stringify(message);
    for (const secret of ["hunter2", "tok_abcdef", "https://", "ticket=abc", "SG.key", "jane@"]) {
      expect(all).not.toContain(secret);
    }
    expect(all).toContain("T0TEAM");
    expect(all).toContain("*Count*\\n3");
  });

  it("escapes a label and an action so they cannot ping the channel", () => {
    const message = buildAuditMessage({
      at,
      actorLabel: "<!channel>",
      action: "<!here>",
      outcome: "<b>",
    });
    expect(JSON.stringify(message)).not.toMatch(/<!channel>|<!here>|<b>/);
  });
});
