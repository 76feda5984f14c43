import pino from "pino";
import { describe, expect, it } from "vitest";
import type { AuditEntry } from "../../../src/audit/ports.ts";
import type { Role } from "../../../src/roles/ports.ts";
import { CALLBACK_IDS } from "../../../src/slack/contract.ts";
import { createSetPasswordCommand } from "../../../src/slack/set-password/command.ts";
import { decodeTarget } from "../../../src/slack/set-password/target.ts";
import {
  type Connection,
  DEFAULT_BRUTE_FORCE,
  DEFAULT_POLICY,
} from "../../../src/users/connection.ts";
import type { User } from "../../../src/users/user.ts";

// The listener on its own, with the ports it takes in memory and Bolt's arguments faked: no
// HTTP, no database. The Slack round trips are in flow.test.ts and refusals.test.ts.

const CONNECTIONS: Connection[] = [
  {
    id: 1,
    name: "Username-Password",
    strategy: "database",
    policy: DEFAULT_POLICY,
    bruteForce: DEFAULT_BRUTE_FORCE,
    signup: "closed",
  },
  {
    id: 2,
    name: "google",
    strategy: "google-oauth2",
    policy: DEFAULT_POLICY,
    bruteForce: DEFAULT_BRUTE_FORCE,
    signup: "closed",
  },
];

const JANE: User = {
  id: 7,
  connectionId: 1,
  email: "jane@example.com",
  emailVerified: true,
  name: "Jane Doe",
  givenName: null,
  familyName: null,
  nickname: null,
  username: null,
  picture: null,
  userMetadata: {},
  blocked: false,
  passwordHash: null,
  passwordChangedAt: null,
  createdAt: new Date(0),
  updatedAt: new Date(0),
};

function setUp(roles: Role[] = ["admin"]) {
  const audited: AuditEntry[] = [];
  const calls: string[] = [];
  const replies: string[] = [];
  const opened: Array<{
    trigger_id: string;
    view: { callback_id?: string; private_metadata?: string };
  }> = [];
  const listener = createSetPasswordCommand({
    roles: { rolesOf: async () => new Set(roles) },
    logger: pino({ level: "silent" }),
    defaultConnection: "Username-Password",
    repo: {
      audit: { record: async (entry) => void audited.push(entry) },
      connections: { findByName: async (name) => CONNECTIONS.find((c) => c.name === name) },
      users: {
        findByEmail: async (connectionId, email) =>
          connectionId === JANE.connectionId && email === JANE.email ? JANE : undefined,
      },
    },
  });
  const run = (text: string) =>
    listener({
      command: { team_id: "T1", user_id: "U0ME", text, trigger_id: "trigger-1" },
      ack: async () => void calls.push("ack"),
      respond: async (message: { text: string }) => {
        calls.push("respond");
        replies.push(message.text);
      },
      client: {
        views: {
          open: async (args: (typeof opened)[number]) => {
            calls.push("views.open");
            opened.push(args);
          },
        },
      },
    } as never);
  return { run, audited, calls, replies, opened };
}

describe("the /set-password command listener", () => {
  it("acks first, then opens the modal for an eligible user with their IDs in the metadata", async () => {
    const { run, calls, opened, replies } = setUp();

    await run("jane@example.com");

    expect(calls).toEqual(["ack", "views.open"]);
    expect(replies).toEqual([]);
    expect(opened[0]?.trigger_id).toBe("trigger-1");
    expect(opened[0]?.view.callback_id).toBe(CALLBACK_IDS.setPasswordModal);
    expect(decodeTarget(opened[0]?.view.private_metadata)).toEqual({
      userId: JANE.id,
      email: JANE.email,
      name: JANE.name,
      connection: "Username-Password",
    });
  });

  it.each([
    ["an unknown connection", "jane@example.com nope", "There is no connection named `nope`."],
    ["a social connection", "jane@example.com google", "`google` is a social or enterprise"],
    ["an unknown user", "joe@example.com", "There is no user *joe@example.com* in"],
  ])("says why no password can be set for %s, opening nothing", async (_, text, says) => {
    const { run, calls, replies } = setUp();

    await run(text);

    expect(calls).toEqual(["ack", "respond"]);
    expect(replies[0]).toContain(says);
  });

  it("refuses support staff after acking, and audits the denial", async () => {
    const { run, calls, replies, audited } = setUp(["support"]);

    await run("jane@example.com");

    expect(calls).toEqual(["ack", "respond"]);
    expect(replies).toEqual(["Only Passdesk *admins* can set passwords."]);
    expect(audited).toMatchObject([
      { action: "access.denied", actorId: "U0ME", details: { attempted: "/set-password" } },
    ]);
  });
});
