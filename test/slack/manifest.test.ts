import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { parseDocument } from "yaml";
import { BOT_SCOPES, CALLBACK_IDS, COMMANDS, EVENTS, SHORTCUTS } from "../../src/slack/contract.ts";

const MANIFEST_URL = new URL("../../slack-manifest.yml", import.meta.url);
// Slack's official app manifest schema, kept in the repository (source and licence: test/fixtures/README.md).
const SCHEMA_URL = new URL("../fixtures/slack-manifest.schema.json", import.meta.url);
const REQUEST_URL = "https://YOUR_PUBLIC_URL/slack/events";

interface Manifest {
  display_information: { name: string; long_description?: string; background_color?: string };
  features: {
    app_home?: { home_tab_enabled?: boolean };
    bot_user?: { display_name: string };
    slash_commands?: Array<{
      command: string;
      description: string;
      usage_hint?: string;
      url?: string;
      should_escape?: boolean;
    }>;
    shortcuts?: Array<{ name: string; type: string; callback_id: string; description: string }>;
    workflow_steps?: Array<{ callback_id: string }>;
  };
  oauth_config: { scopes: { bot?: string[]; user?: string[] } };
  settings: {
    event_subscriptions?: { request_url?: string; bot_events?: string[]; user_events?: string[] };
    interactivity?: { is_enabled: boolean; request_url?: string };
    socket_mode_enabled?: boolean;
  };
}

function createManifestValidator() {
  const schema = JSON.parse(readFileSync(SCHEMA_URL, "utf8")) as object;
  // The schema is draft-07, which plain Ajv speaks; strict: false tolerates its extra keywords.
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addFormat("uri", /^[a-z][a-z\d+.-]*:\S+$/i);
  // Slack writes one pattern as the non-standard keyword `regex` (background_color); enforce it
  // as Slack does rather than let Ajv ignore it.
  ajv.addKeyword({
    keyword: "regex",
    type: "string",
    schemaType: "string",
    validate: (pattern: string, value: string) => new RegExp(pattern).test(value),
  });
  const check = ajv.compile(schema);
  return (candidate: unknown): string[] =>
    check(candidate)
      ? []
      : (check.errors ?? []).map((error) => `${error.instancePath} ${error.message ?? ""}`);
}

const BREAKAGES: Array<[string, (copy: Manifest) => void]> = [
  ["an unknown top-level key", (copy) => Object.assign(copy, { surprise: true })],
  [
    "a command without a slash",
    (copy) => Object.assign(copy.features.slash_commands?.[0] ?? {}, { command: "reset" }),
  ],
  [
    "a long description under 175 characters",
    (copy) => Object.assign(copy.display_information, { long_description: "Too short." }),
  ],
  [
    "a shortcut name over Slack's 24 characters",
    (copy) =>
      Object.assign(copy.features.shortcuts?.[0] ?? {}, { name: "Edit the password email now" }),
  ],
  [
    "a background colour that is not #rgb or #rrggbb",
    (copy) => Object.assign(copy.display_information, { background_color: "#12345z" }),
  ],
];

const sorted = (values: Iterable<string>) => [...values].sort();

describe("slack-manifest.yml", () => {
  const document = parseDocument(readFileSync(MANIFEST_URL, "utf8"));
  const manifest = document.toJS() as Manifest;
  const validate = createManifestValidator();

  it("is well-formed YAML, without duplicate keys", () => {
    expect([...document.errors, ...document.warnings].map((problem) => problem.message)).toEqual(
      [],
    );
  });

  it("is valid against Slack's app manifest schema", () => {
    expect(validate(manifest)).toEqual([]);
  });

  it.each(BREAKAGES)("would reject %s, so the schema check is not vacuous", (_name, breakIt) => {
    const copy = structuredClone(manifest);
    breakIt(copy);

    expect(validate(copy)).not.toEqual([]);
  });

  it("declares exactly the slash commands the code registers, each escaping @mentions", () => {
    const commands = manifest.features.slash_commands ?? [];

    expect(sorted(commands.map((command) => command.command))).toEqual(
      sorted(Object.values(COMMANDS)),
    );
    for (const command of commands) {
      expect(command).toMatchObject({ should_escape: true, url: REQUEST_URL });
      expect(command.usage_hint).toBe("<email | @user> [connection]");
      expect(command.description.length).toBeGreaterThan(0);
    }
  });

  it("asks for exactly the bot scopes the code uses, and no user scopes", () => {
    expect(sorted(manifest.oauth_config.scopes.bot ?? [])).toEqual(sorted(Object.keys(BOT_SCOPES)));
    expect(manifest.oauth_config.scopes.user).toBeUndefined();
    // Slack grants users:read.email only together with users:read.
    expect(manifest.oauth_config.scopes.bot).toContain("users:read");
  });

  it("subscribes to exactly the bot events the code listens to", () => {
    const subscriptions = manifest.settings.event_subscriptions;

    expect(sorted(subscriptions?.bot_events ?? [])).toEqual(sorted(EVENTS));
    expect(subscriptions?.user_events).toBeUndefined();
    expect(subscriptions?.request_url).toBe(REQUEST_URL);
  });

  // Modal callback IDs and block action IDs are not declared in a manifest: Slack delivers them
  // to the interactivity request URL, so that must be on.
  it("turns interactivity on, which the modals and buttons need", () => {
    expect(manifest.settings.interactivity).toEqual({ is_enabled: true, request_url: REQUEST_URL });
  });

  it("declares exactly the global shortcuts the code registers, with their names", () => {
    const declared = (manifest.features.shortcuts ?? []).map((shortcut) => ({
      name: shortcut.name,
      type: shortcut.type,
      callback_id: shortcut.callback_id,
      description: shortcut.description,
    }));
    const registered = Object.values(SHORTCUTS).map((shortcut) => ({
      name: shortcut.name,
      type: "global",
      callback_id: shortcut.callbackId,
      description: shortcut.description,
    }));

    const byCallbackId = (a: { callback_id: string }, b: { callback_id: string }) =>
      a.callback_id.localeCompare(b.callback_id);
    expect(declared.sort(byCallbackId)).toEqual(registered.sort(byCallbackId));
  });

  it("declares no workflow steps, and no shortcut reuses a modal's callback ID", () => {
    const modalCallbackIds: string[] = Object.values(CALLBACK_IDS);

    expect(manifest.features.workflow_steps).toBeUndefined();
    expect(
      (manifest.features.shortcuts ?? []).filter((shortcut) =>
        modalCallbackIds.includes(shortcut.callback_id),
      ),
    ).toEqual([]);
  });

  it("enables the App Home tab, where admins manage roles and the email, and a bot user", () => {
    expect(manifest.features.app_home?.home_tab_enabled).toBe(true);
    expect(manifest.features.bot_user?.display_name).toBe("Passdesk");
  });

  it("uses HTTP request URLs, not Socket Mode, by default", () => {
    expect(manifest.settings.socket_mode_enabled).toBe(false);
  });
});
