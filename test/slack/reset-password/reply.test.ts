import { describe, expect, it } from "vitest";
import { usageMessage } from "../../../src/slack/command-usage.ts";
import { COMMANDS } from "../../../src/slack/contract.ts";
import {
  describeResetOutcome,
  type ResetOutcome,
} from "../../../src/slack/reset-password/reply.ts";

describe("messages", () => {
  const target = { email: "jane@example.com", connection: "Username-Password" };

  it("usage help shows each command's syntax, escaped", () => {
    expect(usageMessage(COMMANDS.resetPassword, "Username-Password")).toContain(
      "`/reset-password &lt;email | @user&gt; [connection]`",
    );
    expect(usageMessage(COMMANDS.setPassword)).toContain("admins only");
  });

  it("describes every outcome on one line, with the full email for staff", () => {
    const outcomes: ResetOutcome[] = [
      { reason: "queued" },
      { reason: "unknown_user" },
      { reason: "not_database_connection" },
      { reason: "blocked" },
      { reason: "template_disabled" },
      { reason: "rate_limited", retryAfterSeconds: 42 },
      { reason: "invalid_email" },
      { reason: "connection_not_found" },
      { reason: "user_not_found_in_slack", slackUserId: "U0JANE" },
      { reason: "denied" },
    ];
    const texts = outcomes.map((outcome) => describeResetOutcome(outcome, target));
    for (const text of texts) expect(text).not.toContain("\n");
    expect(new Set(texts).size).toBe(outcomes.length);
    expect(texts[0]).toContain("queued for *jane@example.com*");
    expect(texts[2]).toMatch(/social or enterprise/);
    expect(texts[5]).toContain("42 seconds");
    expect(texts[8]).toContain("<@U0JANE>");
    expect(texts[9]).toMatch(/\*support\* or \*admin\* role/);
  });

  it("escapes what the requester typed", () => {
    const text = describeResetOutcome(
      { reason: "invalid_email" },
      { email: "<!channel>", connection: "x" },
    );
    expect(text).toContain("&lt;!channel&gt;");
    expect(text).not.toContain("<!channel>");
  });
});
