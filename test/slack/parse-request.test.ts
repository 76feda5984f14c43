import { describe, expect, it } from "vitest";
import { parseSlackRequest } from "../../src/slack/parse-request.ts";
import {
  appHomeOpenedEvent,
  interactivityBody,
  slashCommandBody,
  sslCheckBody,
  urlVerificationBody,
} from "../support/slack-requests.ts";

const FORM = "application/x-www-form-urlencoded";
const JSON_TYPE = "application/json";

const command = slashCommandBody({
  command: "/reset-password",
  text: "jane@example.com",
  userId: "U0SUPPORT",
  teamId: "T0001",
  responseUrl: "https://hooks.slack.com/commands/T0001/1/abc",
});

describe("parseSlackRequest", () => {
  it("decodes a slash command form into its fields", () => {
    const request = parseSlackRequest(FORM, command);

    expect(request).toMatchObject({
      kind: "event",
      body: {
        command: "/reset-password",
        text: "jane@example.com",
        user_id: "U0SUPPORT",
        team_id: "T0001",
      },
    });
  });

  it("reads the media type case-insensitively and ignores its parameters", () => {
    expect(
      parseSlackRequest("Application/X-WWW-Form-Urlencoded; charset=utf-8", command).kind,
    ).toBe("event");
    expect(parseSlackRequest("application/json; charset=utf-8", "{}").kind).toBe("event");
  });

  it("decodes the JSON in an interactivity payload= field", () => {
    const body = interactivityBody({ type: "block_actions", actions: [{ action_id: "x" }] });

    expect(parseSlackRequest(FORM, body)).toEqual({
      kind: "event",
      body: { type: "block_actions", actions: [{ action_id: "x" }] },
    });
  });

  it("recognises ssl_check first and ignores whatever else the body carries", () => {
    expect(parseSlackRequest(FORM, sslCheckBody())).toEqual({ kind: "ssl_check" });
    expect(parseSlackRequest(FORM, `${command}&ssl_check=1`)).toEqual({ kind: "ssl_check" });
    expect(parseSlackRequest(FORM, `ssl_check=1&payload=%7B`)).toEqual({ kind: "ssl_check" });
  });

  it("takes percent-encoded bytes that are not UTF-8 for U+FFFD, which is well-formed", () => {
    const request = parseSlackRequest(FORM, `${command.replace("jane%40", "jane%ED%A0%80")}`);

    expect(request).toMatchObject({
      kind: "event",
      body: { text: "jane\ufffd\ufffd\ufffdexample.com" },
    });
  });

  it("does not take ssl_check=0 for a check", () => {
    expect(parseSlackRequest(FORM, `ssl_check=0&${command}`).kind).toBe("event");
  });

  it("answers the url_verification handshake's challenge", () => {
    expect(
      parseSlackRequest(JSON_TYPE, urlVerificationBody("3eZbrw1aBm2rZgRNFdxV2595E9CY3g")),
    ).toEqual({ kind: "url_verification", challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3g" });
  });

  it("decodes a JSON event envelope", () => {
    const envelope = appHomeOpenedEvent({ userId: "U0ADMIN", teamId: "T0001" });

    expect(parseSlackRequest(JSON_TYPE, JSON.stringify(envelope))).toEqual({
      kind: "event",
      body: envelope,
    });
  });

  it.each([
    [FORM, "payload=%7Bnot-json", "payload is not JSON"],
    [FORM, interactivityBody([1, 2]), "payload is not an object"],
    [FORM, "payload=null", "payload is not an object"],
    [FORM, "", "neither a command nor a payload"],
    [FORM, "text=hello&user_id=U1", "neither a command nor a payload"],
    [JSON_TYPE, "{not json", "body is not JSON"],
    [JSON_TYPE, "", "body is not JSON"],
    [JSON_TYPE, "[1,2]", "body is not an object"],
    [JSON_TYPE, "null", "body is not an object"],
    [JSON_TYPE, '{"type":"url_verification"}', "url_verification without a challenge"],
    [
      JSON_TYPE,
      '{"type":"url_verification","challenge":42}',
      "url_verification without a challenge",
    ],
    [
      FORM,
      interactivityBody({ type: "view_submission", view: { state: { values: { b: "\ud800" } } } }),
      "text that is not well-formed Unicode at view.state.values.b",
    ],
    [
      JSON_TYPE,
      '{"event":{"user":"U1\\udc00"}}',
      "text that is not well-formed Unicode at event.user",
    ],
    [
      JSON_TYPE,
      '{"type":"url_verification","challenge":"\\ud800"}',
      "text that is not well-formed Unicode at challenge",
    ],
    ["text/plain", "command=%2Freset-password", "unsupported content type text/plain"],
    ["", "command=%2Freset-password", "unsupported content type (none)"],
  ])("calls a %j body %j invalid", (contentType, body, reason) => {
    expect(parseSlackRequest(contentType, body)).toEqual({ kind: "invalid", reason });
  });
});
