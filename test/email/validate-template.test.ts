import { describe, expect, it } from "vitest";
import { validateTemplate } from "../../src/email/render.ts";
import { DEFAULT_CHANGE_PASSWORD_TEMPLATE, type EmailTemplate } from "../../src/email/template.ts";

function problemsWith(changes: Partial<EmailTemplate>) {
  return validateTemplate("change_password", { ...DEFAULT_CHANGE_PASSWORD_TEMPLATE, ...changes });
}

function fieldsWith(changes: Partial<EmailTemplate>) {
  return problemsWith(changes).map((problem) => problem.field);
}

describe("validateTemplate for change_password", () => {
  it("accepts the default template", () => {
    expect(validateTemplate("change_password", DEFAULT_CHANGE_PASSWORD_TEMPLATE)).toEqual([]);
  });

  it("accepts a complete custom template", () => {
    expect(
      problemsWith({
        from: '"Acme, Inc." <no-reply@acme.example>',
        subject: "{{ user.given_name }}, reset your {{ application.name }} password",
        body: "<p>Hi {{ user.nickname }}</p><a href='{{url}}'>Reset</a> ({{ url_lifetime }})",
        urlLifetimeSeconds: 3_600,
        resultUrl: "https://app.acme.example/login",
        includeEmailInRedirect: false,
        enabled: false,
      }),
    ).toEqual([]);
  });

  it("accepts {{ url }} written with any spacing or whitespace control", () => {
    for (const output of ["{{url}}", "{{ url }}", "{{-  url  -}}", "{{- url}}"]) {
      expect(fieldsWith({ body: `<a href="${output}">Reset</a>` })).toEqual([]);
    }
  });

  it("refuses a body without {{ url }}", () => {
    expect(problemsWith({ body: "<p>Hello {{ user.name }}</p>" })).toEqual([
      { field: "body", message: "must contain {{ url }}, the reset link" },
    ]);
  });

  it("refuses Liquid that does not parse, in each field", () => {
    expect(fieldsWith({ subject: "{% if %}" })).toEqual(["subject"]);
    expect(fieldsWith({ body: "{{ url }} {% for x in %}" })).toEqual(["body"]);
    expect(fieldsWith({ from: "{{ friendly_name <x@y.example>" })).toEqual(["from"]);
  });

  it("refuses unknown filters and misspelt variables", () => {
    expect(problemsWith({ subject: "{{ friendly_name | shout }}" })[0]?.message).toMatch(
      /^Liquid error: undefined filter: shout/,
    );
    expect(problemsWith({ body: "{{ url }} {{ usr.name }}" })[0]?.message).toMatch(
      /^Liquid error: undefined variable: usr/,
    );
  });

  it("allows optional variables to be tested in if tags", () => {
    expect(fieldsWith({ body: "{% if user.phone %}x{% endif %}{{ url }}" })).toEqual([]);
  });

  it("refuses includes, which would read files", () => {
    expect(fieldsWith({ body: "{{ url }}{% include 'secrets' %}" })).toEqual(["body"]);
  });

  it("refuses an empty subject", () => {
    expect(fieldsWith({ subject: "  " })).toEqual(["subject"]);
  });

  it("refuses a sender that is not address or Name <address>", () => {
    for (const from of [
      "Passdesk",
      "no-reply@",
      "Passdesk <no-reply>",
      "a@b.example <c@d.example>x",
    ]) {
      expect(fieldsWith({ from })).toEqual(["from"]);
    }
    for (const from of ["no-reply@passdesk.example", "Passdesk <no-reply@passdesk.example>"]) {
      expect(fieldsWith({ from })).toEqual([]);
    }
  });

  it("refuses a sender containing CR or LF", () => {
    expect(
      problemsWith({ from: "Passdesk\r\nBcc: x@y.example <no-reply@passdesk.example>" }),
    ).toEqual([{ field: "from", message: "must be one line" }]);
  });

  it("accepts a redirect to https anywhere or http on localhost, or none", () => {
    for (const resultUrl of [
      null,
      "https://app.example/done",
      "http://localhost:3000/done",
      "http://127.0.0.1/done",
    ]) {
      expect(fieldsWith({ resultUrl })).toEqual([]);
    }
  });

  it("refuses a redirect that is relative, plain http elsewhere or another scheme", () => {
    for (const resultUrl of [
      "/done",
      "",
      "http://app.example/done",
      "javascript:alert(1)",
      "ftp://x",
    ]) {
      expect(fieldsWith({ resultUrl })).toEqual(["resultUrl"]);
    }
  });

  it("accepts a lifetime from 5 minutes to 30 days", () => {
    expect(fieldsWith({ urlLifetimeSeconds: 300 })).toEqual([]);
    expect(fieldsWith({ urlLifetimeSeconds: 2_592_000 })).toEqual([]);
  });

  it("refuses a lifetime out of range or not a whole number", () => {
    for (const urlLifetimeSeconds of [299, 2_592_001, 0, -1, 600.5, Number.NaN]) {
      expect(fieldsWith({ urlLifetimeSeconds })).toEqual(["urlLifetimeSeconds"]);
    }
  });

  it("lists every problem at once", () => {
    expect(
      fieldsWith({
        from: "nobody",
        subject: "{% if %}",
        body: "no link",
        resultUrl: "x",
        urlLifetimeSeconds: 1,
      }),
    ).toEqual(["from", "subject", "body", "resultUrl", "urlLifetimeSeconds"]);
  });
});
