import { describe, expect, it } from "vitest";
import { renderSignInBlockedEmail } from "../../src/email/sign-in-blocked.ts";

const BASE = {
  email: "jane@example.com",
  ip: "192.0.2.10",
  failures: 10,
  at: new Date("2026-03-01T09:00:00Z"),
  defaultFrom: "Example <no-reply@example.com>",
  friendlyName: "Example",
  supportEmail: "help@example.com",
  supportUrl: undefined,
};

describe("the blocked sign-in email", () => {
  it("says how many attempts from which IP, with the unblock link and how long it works", () => {
    const email = renderSignInBlockedEmail({
      ...BASE,
      unblock: {
        url: "https://passdesk.example.com/lo/unblock?ticket=abc",
        lifetimeSeconds: 86_400,
      },
    });
    expect(email.from).toBe("Example <no-reply@example.com>");
    expect(email.subject).toBe("Failed sign-in attempts on your Example account");
    expect(email.html).toContain('href="https://passdesk.example.com/lo/unblock?ticket=abc"');
    expect(email.text).toContain("10 failed attempts");
    expect(email.text).toContain("192.0.2.10");
    expect(email.text).toContain("1 day");
    expect(email.text).toContain("help@example.com");
  });

  it("has no link when sign-in was not blocked, and no IP for a count kept per identifier", () => {
    const email = renderSignInBlockedEmail({ ...BASE, ip: "*" });
    expect(email.html).not.toContain("unblock");
    expect(email.text).not.toContain("IP address");
  });

  it("escapes every value in the HTML and keeps the subject on one line", () => {
    const email = renderSignInBlockedEmail({
      ...BASE,
      email: "<b>@example.com",
      friendlyName: "Evil\r\nBcc: x@example.com <script>",
    });
    expect(email.html).not.toContain("<script>");
    expect(email.html).not.toContain("<b>@");
    expect(email.subject).not.toMatch(/[\r\n]/);
  });
});
