import { describe, expect, it } from "vitest";
import { buildChangePasswordVariables } from "../../src/email/change-password-variables.ts";
import { SAMPLE_RECIPIENT, SAMPLE_SETTINGS } from "../../src/email/common-variables.ts";
import {
  buildPasswordChangedVariables,
  describeChangeTime,
  samplePasswordChangedVariables,
} from "../../src/email/password-changed-variables.ts";
import { renderPasswordChangedEmail, validateTemplate } from "../../src/email/render.ts";
import { DEFAULT_PASSWORD_CHANGED_TEMPLATE, type EmailTemplate } from "../../src/email/template.ts";

const options = { defaultFrom: "Passdesk <no-reply@example.com>" };
const AT = new Date("2026-03-05T07:04:09Z");
const inputs = {
  user: SAMPLE_RECIPIENT,
  connection: "Staff",
  changedBy: "user" as const,
  at: AT,
  secureUrl: "https://passdesk.example/secure?t=abc",
};

function withTemplate(changes: Partial<EmailTemplate>): EmailTemplate {
  return { ...DEFAULT_PASSWORD_CHANGED_TEMPLATE, ...changes };
}

describe("buildPasswordChangedVariables", () => {
  it('says who changed it, "you" or "an administrator", when, and where to secure the account', () => {
    expect(buildPasswordChangedVariables(SAMPLE_SETTINGS, inputs)).toMatchObject({
      changed_by: "you",
      time: "5 March 2026, 07:04 UTC",
      secure_url: "https://passdesk.example/secure?t=abc",
    });
    const byAdmin = buildPasswordChangedVariables(SAMPLE_SETTINGS, {
      ...inputs,
      changedBy: "admin",
    });
    expect(byAdmin.changed_by).toBe("an administrator");
  });

  it("shares every common variable with the change-password email, built the same way", () => {
    const notice = buildPasswordChangedVariables(SAMPLE_SETTINGS, inputs);
    const reset = buildChangePasswordVariables(SAMPLE_SETTINGS, {
      url: "https://passdesk.example/lo/reset?ticket=x",
      user: SAMPLE_RECIPIENT,
      application: null,
      connection: "Staff",
    });
    for (const name of [
      "user",
      "connection",
      "tenant",
      "friendly_name",
      "support_email",
      "support_url",
    ] as const) {
      expect(notice[name]).toEqual(reset[name]);
    }
  });

  it("writes the time in UTC, the same on every server", () => {
    expect(describeChangeTime(new Date("2026-12-31T23:59:59.999Z"))).toBe(
      "31 December 2026, 23:59 UTC",
    );
    expect(describeChangeTime(new Date("2027-01-01T00:00:00+02:00"))).toBe(
      "31 December 2026, 22:00 UTC",
    );
  });
});

describe("renderPasswordChangedEmail", () => {
  it("renders each variable", async () => {
    const body = [
      "user.email={{ user.email }}",
      "user.name={{ user.name }}",
      "user.given_name={{ user.given_name }}",
      "friendly_name={{ friendly_name }}",
      "tenant={{ tenant }}",
      "connection={{ connection.name }}",
      "support_email={{ support_email }}",
      "support_url={{ support_url }}",
      "changed_by={{ changed_by }}",
      "time={{ time }}",
      "secure_url={{ secure_url }}",
    ].join("\n");
    const variables = buildPasswordChangedVariables(SAMPLE_SETTINGS, {
      ...inputs,
      changedBy: "admin",
    });
    const email = await renderPasswordChangedEmail(withTemplate({ body }), variables, options);
    expect(email.html.split("\n")).toEqual([
      "user.email=jane.doe@example.com",
      "user.name=Jane Doe",
      "user.given_name=Jane",
      "friendly_name=Passdesk",
      "tenant=passdesk",
      "connection=Staff",
      "support_email=support@example.com",
      "support_url=https://example.com/support",
      "changed_by=an administrator",
      "time=5 March 2026, 07:04 UTC",
      "secure_url=https://passdesk.example/secure?t=abc",
    ]);
  });

  it("the default puts the secure link on a button and in words, escaped, with the support lines", async () => {
    const variables = samplePasswordChangedVariables({
      secure_url: "https://passdesk.example/secure?a=1&b=2",
      user: { name: "<b>Jane</b>" },
    });
    const email = await renderPasswordChangedEmail(
      DEFAULT_PASSWORD_CHANGED_TEMPLATE,
      variables,
      options,
    );
    expect(email.subject).toBe("Your Passdesk password was changed");
    expect(email.from).toBe(options.defaultFrom);
    expect(email.html).toContain('href="https://passdesk.example/secure?a=1&amp;b=2"');
    expect(email.html).toContain(">Secure my account</a>");
    expect(email.html).toContain("&lt;b&gt;Jane&lt;/b&gt;");
    expect(email.text).toContain("If this wasn't you");
    expect(email.text).toContain("support@example.com");
    expect(email.text).toContain("https://example.com/support");

    const unsupported = await renderPasswordChangedEmail(
      DEFAULT_PASSWORD_CHANGED_TEMPLATE,
      samplePasswordChangedVariables({ support_email: null, support_url: null }),
      options,
    );
    expect(unsupported.text).not.toContain("Need help?");
  });
});

describe("validateTemplate for password_changed", () => {
  const problems = (changes: Partial<EmailTemplate>) =>
    validateTemplate("password_changed", withTemplate(changes));

  it("accepts the default, and a body without a link: the notice may simply inform", () => {
    expect(problems({})).toEqual([]);
    expect(problems({ body: "<p>Changed by {{ changed_by }} on {{ time }}.</p>" })).toEqual([]);
  });

  it("refuses the reset email's {{ url }} and a misspelt variable; ignores the link's fields", () => {
    expect(problems({ body: "{{ url }}", subject: "{{ chnaged_by }}" })).toEqual([
      { field: "subject", message: expect.stringMatching(/^Liquid error: undefined variable/) },
      { field: "body", message: expect.stringMatching(/^Liquid error: undefined variable/) },
    ]);
    expect(problems({ urlLifetimeSeconds: 1, resultUrl: "ftp://x" })).toEqual([]);
  });
});
