import { readFileSync } from "node:fs";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  auditLog,
  emailOutbox,
  passwordHistory,
  resetRequests,
  tickets,
  users,
} from "../../src/db/schema.ts";
import { linesOf, repoRoot, runCli } from "../support/cli.ts";
import { backends, createTestDatabase, type TestDatabase } from "../support/database.ts";
import { createTestUser } from "../support/reset-fixture.ts";

const DEFAULT = "Username-Password-Authentication";

describe("passdesk --version", () => {
  it("prints the package version and exits 0 without opening the database", async () => {
    const { version } = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8"));
    const result = await runCli({ DATABASE_URL: "postgres://nobody@127.0.0.1:1/none" }, [
      "--version",
    ]);
    expect(result).toEqual({ code: 0, stdout: `passdesk ${version}\n`, stderr: "" });
  });
});

describe.each(backends)("everyday passdesk commands on %s", (backend) => {
  let database: TestDatabase;
  const passdesk = (...args: string[]) => runCli(database.env, args);

  /** The audit rows the CLI wrote for `action`, newest last. */
  async function auditRows(action: string) {
    const { handle } = await database.open();
    try {
      return await handle.db.select().from(auditLog).where(eq(auditLog.action, action));
    } finally {
      await handle.close();
    }
  }

  beforeAll(async () => {
    database = await createTestDatabase(backend);
    const { handle, repo } = await database.open();
    try {
      await repo.connections.add({ name: "Partners", strategy: "database" });
      await repo.connections.add({ name: "google", strategy: "google-oauth2" });
      for (let i = 1; i <= 7; i++) {
        const connection = i % 2 === 0 ? "Partners" : DEFAULT;
        const user = await createTestUser(repo, `user${i}@example.com`, { connection });
        if (i === 3 || i === 4) await repo.users.setBlocked(user.id, true);
      }
      await createTestUser(repo, "percent%sign@example.org");
    } finally {
      await handle.close();
    }
  });

  afterAll(async () => {
    await database?.drop();
  });

  describe("users list", () => {
    it("lists every user oldest first, tab-separated, never a hash", async () => {
      const result = await passdesk("users", "list");
      expect(result.code).toBe(0);
      expect(result.stderr).toBe("");
      const rows = linesOf(result.stdout).map((line) => line.split("\t"));
      expect(rows.map((row) => row[1])).toEqual([
        ...[1, 2, 3, 4, 5, 6, 7].map((i) => `user${i}@example.com`),
        "percent%sign@example.org",
      ]);
      expect(rows[2]).toEqual([
        expect.stringMatching(/^\d+$/),
        "user3@example.com",
        DEFAULT,
        "blocked,unverified,password",
        expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      ]);
      expect(result.stdout).not.toContain("$argon2");
    });

    it("filters by connection, blocked state and part of the email, all at once", async () => {
      const partners = await passdesk("users", "list", "--connection", "Partners");
      expect(linesOf(partners.stdout).map((line) => line.split("\t")[1])).toEqual([
        "user2@example.com",
        "user4@example.com",
        "user6@example.com",
      ]);
      const blocked = await passdesk("users", "list", "--blocked");
      expect(linesOf(blocked.stdout).map((line) => line.split("\t")[1])).toEqual([
        "user3@example.com",
        "user4@example.com",
      ]);
      const active = await passdesk("users", "list", "--no-blocked", "--connection", "Partners");
      expect(linesOf(active.stdout).map((line) => line.split("\t")[1])).toEqual([
        "user2@example.com",
        "user6@example.com",
      ]);
      // Matched as typed: "%" is a character here, not a wildcard.
      const email = await passdesk("users", "list", "--email", "T%SIGN@");
      expect(linesOf(email.stdout).map((line) => line.split("\t")[1])).toEqual([
        "percent%sign@example.org",
      ]);
      const none = await passdesk("users", "list", "--email", "%");
      expect(linesOf(none.stdout)).toHaveLength(1);
    });

    it("pages with --limit and --after, saying on stderr where the next page starts", async () => {
      const first = await passdesk("users", "list", "--limit", "3");
      const firstRows = linesOf(first.stdout).map((line) => line.split("\t"));
      expect(firstRows.map((row) => row[1])).toEqual([1, 2, 3].map((i) => `user${i}@example.com`));
      const lastId = firstRows[2]?.[0];
      expect(linesOf(first.stderr)).toEqual([`more users: run again with --after ${lastId}`]);

      const seen = firstRows.map((row) => row[1]);
      let after = lastId;
      for (;;) {
        const next = await passdesk("users", "list", "--limit", "3", "--after", String(after));
        const rows = linesOf(next.stdout).map((line) => line.split("\t"));
        seen.push(...rows.map((row) => row[1]));
        after = rows.at(-1)?.[0];
        if (next.stderr === "") break;
      }
      expect(seen).toEqual([
        ...[1, 2, 3, 4, 5, 6, 7].map((i) => `user${i}@example.com`),
        "percent%sign@example.org",
      ]);
    });

    it("refuses an unknown connection and a bad limit with one line", async () => {
      const unknown = await passdesk("users", "list", "--connection", "Nope");
      expect(unknown.code).toBe(1);
      expect(linesOf(unknown.stderr)).toEqual(["passdesk: no such connection: Nope"]);
      const limit = await passdesk("users", "list", "--limit", "0");
      expect(linesOf(limit.stderr)).toEqual([
        'passdesk: --limit must be a whole number from 1 to 10000, got "0"',
      ]);
    });
  });

  describe("users delete", () => {
    it("deletes the user with their history, links and emails, keeps their reset requests unlinked, and audits it", async () => {
      const { handle, repo } = await database.open();
      let janeId: number;
      let bobId: number;
      try {
        const jane = await createTestUser(repo, "jane@example.com");
        const bob = await createTestUser(repo, "bob@example.com");
        janeId = jane.id;
        bobId = bob.id;
        const [request] = await handle.db
          .insert(resetRequests)
          .values({ publicId: "r1", email: jane.email, connection: DEFAULT, source: "api" })
          .returning();
        await handle.db
          .update(resetRequests)
          .set({ userId: jane.id, status: "queued" })
          .where(eq(resetRequests.id, request?.id ?? 0));
        const expiresAt = new Date(Date.now() + 3_600_000);
        for (const [userId, tokenHash] of [
          [jane.id, "jane-ticket"],
          [bob.id, "bob-ticket"],
        ] as const) {
          await handle.db.insert(tickets).values({ tokenHash, userId, expiresAt });
          await repo.outbox.enqueue(
            {
              messageRef: `ref-${tokenHash}`,
              kind: "change_password",
              requestId: null,
              userId,
              toAddress: "x@example.com",
            },
            new Date(),
          );
        }
      } finally {
        await handle.close();
      }

      const result = await passdesk("users", "delete", "JANE@example.com");
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      expect(linesOf(result.stdout)).toEqual([
        `deleted jane@example.com from ${DEFAULT}`,
        "also deleted: 1 unused reset link, 1 unsent email (of 1 in the outbox); kept, unlinked: 1 reset request",
      ]);

      const after = await database.open();
      try {
        const { db } = after.handle;
        expect(await db.select().from(users).where(eq(users.id, janeId))).toEqual([]);
        expect(
          await db.select().from(passwordHistory).where(eq(passwordHistory.userId, janeId)),
        ).toEqual([]);
        expect((await db.select().from(tickets)).map((row) => row.userId)).toEqual([bobId]);
        expect((await db.select().from(emailOutbox)).map((row) => row.userId)).toEqual([bobId]);
        expect(await db.select().from(resetRequests)).toEqual([
          expect.objectContaining({ publicId: "r1", email: "jane@example.com", userId: null }),
        ]);
        expect(await after.repo.users.findById(bobId)).toBeDefined();
      } finally {
        await after.handle.close();
      }
      expect(await auditRows("user.deleted")).toEqual([
        expect.objectContaining({
          actorType: "cli",
          outcome: "success",
          targetEmail: "jane@example.com",
          connection: DEFAULT,
          details: { liveTickets: 1, unsentEmails: 1, emails: 1, resetRequests: 1 },
        }),
      ]);
    });

    it("refuses an unknown user, and one of another connection, with one line", async () => {
      const unknown = await passdesk("users", "delete", "nobody@example.com");
      expect(unknown.code).toBe(1);
      expect(linesOf(unknown.stderr)).toEqual([
        `passdesk: no user with email nobody@example.com in ${DEFAULT}`,
      ]);
      const elsewhere = await passdesk("users", "delete", "user2@example.com");
      expect(elsewhere.code).toBe(1);
      const there = await passdesk(
        "users",
        "delete",
        "user2@example.com",
        "--connection",
        "Partners",
      );
      expect(there.code).toBe(0);
    });
  });

  describe("connections set", () => {
    it("changes only the given fields of the default connection's policy, and audits from → to", async () => {
      const result = await passdesk(
        ...["connections", "set", DEFAULT, "--min-length", "12", "--no-dictionary"],
        ...["--level", "fair"],
      );
      expect(result).toEqual({
        code: 0,
        stdout: `changed ${DEFAULT}: level=fair min-length=12 history=5 dictionary=off personal-info=on signup=closed\n`,
        stderr: "",
      });
      const back = await passdesk("connections", "set", DEFAULT, "--dictionary", "--history", "0");
      expect(back.stdout).toBe(
        `changed ${DEFAULT}: level=fair min-length=12 history=0 dictionary=on personal-info=on signup=closed\n`,
      );
      const list = await passdesk("connections", "list");
      expect(linesOf(list.stdout)[0]).toBe(
        `${DEFAULT}\tstrategy=database level=fair min-length=12 history=0 dictionary=on personal-info=on signup=closed`,
      );
      expect((await auditRows("connection.policy_changed")).map((row) => row.details)).toEqual([
        {
          minLength: { from: 15, to: 12 },
          dictionary: { from: true, to: false },
          level: { from: "none", to: "fair" },
        },
        { dictionary: { from: false, to: true }, historySize: { from: 5, to: 0 } },
      ]);
    });

    it("opens and closes signup, shows it in the list, and audits from → to", async () => {
      const opened = await passdesk("connections", "set", "Partners", "--signup", "open");
      expect(opened.code).toBe(0);
      expect(opened.stdout).toMatch(/^changed Partners: .* signup=open\n$/);
      const list = await passdesk("connections", "list");
      expect(linesOf(list.stdout).find((line) => line.startsWith("Partners\t"))).toMatch(
        / signup=open$/,
      );
      const closed = await passdesk("connections", "set", "Partners", "--signup", "closed");
      expect(closed.stdout).toMatch(/^changed Partners: .* signup=closed\n$/);
      expect(
        (await auditRows("connection.signup_changed")).map(({ outcome, details }) => ({
          outcome,
          details,
        })),
      ).toEqual([
        { outcome: "success", details: { signup: { from: "closed", to: "open" } } },
        { outcome: "success", details: { signup: { from: "open", to: "closed" } } },
      ]);
    });

    it("sets a connection's own four-eyes approval, shows it, clears it back to the default, and audits from → to", async () => {
      const required = await passdesk(
        ...["connections", "set", "Partners", "--set-password-approval", "required"],
      );
      expect(required.stdout).toMatch(/^changed Partners: .* set-password-approval=required\n$/);
      const list = await passdesk("connections", "list");
      expect(linesOf(list.stdout).find((line) => line.startsWith("Partners\t"))).toMatch(
        / set-password-approval=required$/,
      );
      const cleared = await passdesk(
        ...["connections", "set", "Partners", "--set-password-approval", "default"],
      );
      expect(cleared.stdout).not.toContain("set-password-approval");
      expect(
        (await auditRows("connection.set_password_approval_changed")).map((row) => row.details),
      ).toEqual([
        { setPasswordApproval: { from: "default", to: "required" } },
        { setPasswordApproval: { from: "required", to: "default" } },
      ]);
    });

    it("applies the changed policy to the next password set", async () => {
      await passdesk("connections", "set", "Partners", "--min-length", "40");
      const refused = await passdesk(
        ...["users", "add", "--email", "long@example.com", "--connection", "Partners"],
        ...["--password", "correct horse battery staple"],
      );
      expect(linesOf(refused.stderr)).toEqual([
        "passdesk: the password does not meet the policy: At least 40 characters",
      ]);
    });

    it("refuses a connection without a policy, an unknown one, nothing to change and bad values", async () => {
      const cases: Array<[string[], string]> = [
        [
          ["google", "--min-length", "12"],
          "google is a google-oauth2 connection: its users sign in elsewhere, so it has no password policy or signup",
        ],
        [["Nope", "--min-length", "12"], "no such connection: Nope"],
        [
          [DEFAULT],
          "nothing to change: give at least one policy option, --signup, --store or --set-password-approval (see --help)",
        ],
        [
          [DEFAULT, "--level", "strong"],
          '--level must be one of none, low, fair, good, excellent, got "strong"',
        ],
        [[DEFAULT, "--history", "25"], '--history must be a whole number from 0 to 24, got "25"'],
        [[DEFAULT, "--signup", "yes"], '--signup must be one of closed, open, got "yes"'],
        [
          [DEFAULT, "--set-password-approval", "on"],
          '--set-password-approval must be one of off, required, default, got "on"',
        ],
        [
          ["google", "--signup", "open"],
          "google is a google-oauth2 connection: its users sign in elsewhere, so it has no password policy or signup",
        ],
      ];
      for (const [args, message] of cases) {
        const result = await passdesk("connections", "set", ...args);
        expect({ args, code: result.code, stderr: linesOf(result.stderr) }).toEqual({
          args,
          code: 1,
          stderr: [`passdesk: ${message}`],
        });
      }
    });
  });

  describe("clients and connections are audited", () => {
    it("connections add, clients add and clients remove each write an audit row", async () => {
      await passdesk(
        "connections",
        "add",
        "Contractors",
        "--strategy",
        "database",
        "--history",
        "3",
      );
      const added = await passdesk(
        "clients",
        "add",
        "Shop",
        "--origin",
        "https://shop.example.com",
      );
      const clientId = linesOf(added.stdout)[1]?.replace("client_id: ", "") ?? "";
      const removed = await passdesk("clients", "remove", clientId);
      expect(removed).toEqual({
        code: 0,
        stdout: `removed client Shop (${clientId})\n`,
        stderr: "",
      });
      expect(linesOf((await passdesk("clients", "list")).stdout)).toEqual([]);

      expect(await auditRows("connection.created")).toEqual([
        expect.objectContaining({
          actorType: "cli",
          connection: "Contractors",
          details: {
            strategy: "database",
            policy: {
              level: "none",
              minLength: 15,
              historySize: 3,
              dictionary: true,
              noPersonalInfo: true,
            },
          },
        }),
      ]);
      const shop = {
        clientId,
        name: "Shop",
        webOrigins: ["https://shop.example.com"],
        confidential: false,
        refreshTokens: true,
      };
      expect(await auditRows("client.created")).toEqual([
        expect.objectContaining({ actorType: "cli", outcome: "success", details: shop }),
      ]);
      expect(await auditRows("client.removed")).toEqual([
        expect.objectContaining({ actorType: "cli", outcome: "success", details: shop }),
      ]);
    });

    it("clients remove refuses an unknown client_id with one line", async () => {
      const result = await passdesk("clients", "remove", "NoSuchClient");
      expect(result.code).toBe(1);
      expect(linesOf(result.stderr)).toEqual(["passdesk: no client with client_id NoSuchClient"]);
    });
  });
});
