import { describe, expect, it } from "vitest";
import { parseCommandText } from "../../src/slack/command-text.ts";

describe("parseCommandText", () => {
  it("reads an email, trimmed and lower-cased, with no connection", () => {
    expect(parseCommandText("  Jane.Doe@Example.COM ")).toEqual({
      ok: true,
      target: { kind: "email", email: "jane.doe@example.com" },
      connection: undefined,
    });
  });

  it("reads a connection after the target, whatever the whitespace between them", () => {
    expect(parseCommandText("jane@example.com\t  partners-db")).toEqual({
      ok: true,
      target: { kind: "email", email: "jane@example.com" },
      connection: "partners-db",
    });
  });

  it("reads an escaped mention as a Slack user, with or without the name Slack appends", () => {
    expect(parseCommandText("<@U0123ABC|jane>")).toEqual({
      ok: true,
      target: { kind: "slack_user", userId: "U0123ABC" },
      connection: undefined,
    });
    expect(parseCommandText("<@U0123ABC> partners-db")).toEqual({
      ok: true,
      target: { kind: "slack_user", userId: "U0123ABC" },
      connection: "partners-db",
    });
  });

  it("accepts Enterprise Grid user IDs, which start with W", () => {
    expect(parseCommandText("<@W0123ABC|jane>")).toMatchObject({
      ok: true,
      target: { kind: "slack_user", userId: "W0123ABC" },
    });
  });

  it("reads an email that Slack auto-linked as <mailto:…|…>", () => {
    expect(parseCommandText("<mailto:Jane@Example.com|Jane@Example.com> partners-db")).toEqual({
      ok: true,
      target: { kind: "email", email: "jane@example.com" },
      connection: "partners-db",
    });
  });

  it("answers empty for no text, or only whitespace", () => {
    expect(parseCommandText("")).toEqual({ ok: false, reason: "empty" });
    expect(parseCommandText(" \n\t ")).toEqual({ ok: false, reason: "empty" });
  });

  it("refuses a third word rather than guess what was meant", () => {
    expect(parseCommandText("jane@example.com partners-db extra")).toEqual({
      ok: false,
      reason: "too_many_arguments",
    });
  });

  it.each([
    "jane",
    "jane@example",
    "jane@@example.com",
    "jane..doe@example.com",
    "@jane",
    "<@u0123abc|jane>",
    "<#C0123ABC|support>",
    "<mailto:not-an-email|x>",
  ])("refuses %j as an invalid email", (text) => {
    expect(parseCommandText(text)).toEqual({ ok: false, reason: "invalid_email" });
  });
});
