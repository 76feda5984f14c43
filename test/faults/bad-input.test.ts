import { eq } from "drizzle-orm";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emailOutbox, resetRequests } from "../../src/db/schema.ts";
import { type FakeSendGrid, startFakeSendGrid } from "../support/fake-sendgrid.ts";
import { DEFAULT_CONNECTION } from "../support/reset-fixture.ts";
import { SLACK, type SlackPassdesk, startSlackPassdesk } from "../support/slack-passdesk.ts";
import { signSlackRequest } from "../support/slack-requests.ts";
import { sleep } from "../support/wait-for.ts";
import { answerOf, createAnswerChecks } from "./support/answer-checks.ts";
import { faultBackend } from "./support/backend.ts";
import { writeFaultReport } from "./support/fault-report.ts";
import {
  anyEmailValue,
  bentAddress,
  contentTypes,
  formBody,
  rawBytes,
  slackEventBody,
} from "./support/hostile-input.ts";
import { postRaw, type RawAnswer } from "./support/raw-post.ts";
import { openNewestForm } from "./support/reset-api.ts";
import { seedUsers } from "./support/seed-users.ts";

const STORED = [
  "mike@example.org",
  "dıane@example.org",
  "strasse@example.org",
  "fuß@example.org",
  "josé@example.org",
  "kate@example.org",
  "form@example.org",
];
const RUNS = { numRuns: 300 };
const HUGE_RUNS = { numRuns: 25 };

describe(`hostile input to the public endpoints (${faultBackend})`, () => {
  let sendgrid: FakeSendGrid;
  let slack: SlackPassdesk;
  const {
    expectApiAnswer,
    expectSignUpAnswer,
    expectTokenAnswer,
    expectPageAnswer,
    expectSlackAnswer,
    summary,
  } = createAnswerChecks();
  let clientId = "";

  beforeAll(async () => {
    sendgrid = await startFakeSendGrid();
    slack = await startSlackPassdesk(faultBackend, {
      realMailer: true,
      env: {
        SENDGRID_API_KEY: "SG.fault-corpus",
        SENDGRID_API_URL: sendgrid.url,
        RATE_LIMIT_PER_IP_BURST: "1000000",
        RATE_LIMIT_PER_IP_PER_MINUTE: "1000000",
        // Not about the per-recipient limit: every request for a user is to be sent.
        RATE_LIMIT_PER_RECIPIENT_BURST: "1000000",
        // Every reset-page post comes from 127.0.0.1: let all of them reach the form's logic.
        RESET_PAGE_RATE_LIMIT_PER_IP_BURST: "1000000",
        RESET_PAGE_RATE_LIMIT_PER_IP_PER_MINUTE: "1000000",
        SIGNUP_RATE_LIMIT_PER_IP_BURST: "1000000",
        SIGNUP_RATE_LIMIT_PER_IP_PER_MINUTE: "1000000",
        SIGN_IN_RATE_LIMIT_PER_IP_BURST: "1000000",
        SIGN_IN_RATE_LIMIT_PER_IP_PER_MINUTE: "1000000",
        SIGN_IN_IP_FAILURES_BURST: "1000000",
        SIGN_IN_IP_FAILURES_PER_MINUTE: "1000000",
      },
      async seed(repo) {
        await seedUsers(repo, STORED);
        await repo.connections.setSignup(DEFAULT_CONNECTION, "open");
        clientId = (await repo.clients.add({ name: "Fault corpus", webOrigins: [] })).clientId;
      },
    });
  });
  afterAll(async () => {
    await slack?.close();
    await sendgrid?.close();
  });

  /** Each request on a connection of its own: an early 413 then cannot upset the next one. */
  function post(path: string, body: string | Uint8Array, headers: Record<string, string>) {
    const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
    return postRaw(`${slack.url}${path}`, bytes, headers);
  }

  const changePassword = (body: string | Uint8Array, type: string) =>
    post("/dbconnections/change_password", body, type ? { "content-type": type } : {});

  it("confusable and case-folded addresses reach only their own stored owner", async () => {
    const cases: Array<[string, string | null]> = [
      ["mıke@example.org", null],
      ["MIKE@EXAMPLE.ORG", "mike@example.org"],
      ["ｍｉｋｅ@example.org", null],
      ["mİke@example.org", null],
      ["mi\u200Bke@example.org", null],
      ["diane@example.org", null],
      ["DIANE@example.org", null],
      ["DIANE@example.org".toLowerCase(), null],
      ["straße@example.org", null],
      ["fuss@example.org", null],
      ["FUSS@example.org", null],
      ["FUß@example.org", "fuß@example.org"],
      ["jose\u0301@example.org", "josé@example.org"],
      ["JOSÉ@example.org", "josé@example.org"],
      // The Kelvin sign lower-cases to ASCII "k": the email still goes to the stored owner.
      ["\u212Aate@example.org", "kate@example.org"],
    ];
    const before = sendgrid.sentEmails().length;
    for (const [requested] of cases) {
      const response = await changePassword(
        JSON.stringify({ email: requested, connection: DEFAULT_CONNECTION }),
        "application/json",
      );
      expectApiAnswer(response);
      expect(response.status, requested).toBe(200);
    }
    for (const smuggled of [
      "mike@example.org\r\nBcc: attacker@evil.example",
      ["mike@example.org", "attacker@evil.example"],
      { email: "mike@example.org" },
    ]) {
      const response = await changePassword(
        JSON.stringify({ email: smuggled, connection: DEFAULT_CONNECTION }),
        "application/json",
      );
      expect(response.status).toBe(400);
      expectApiAnswer(response);
    }
    const expected = cases.flatMap(([, owner]) => (owner ? [owner] : [])).sort();
    await sendgrid.waitForEmails(before + expected.length, 20_000);
    await sleep(1_500); // any email that should not exist has had time to be sent
    const received = sendgrid
      .sentEmails()
      .slice(before)
      .flatMap((email) => email.to)
      .sort();
    expect(received).toEqual(expected);
  });

  it("a NUL byte in any field is refused as invalid, not answered as an outage", async () => {
    const valid = { email: "mike@example.org", connection: DEFAULT_CONNECTION };
    const answers: RawAnswer[] = [];
    for (const field of ["connection", "client_id", "organization"]) {
      const body = JSON.stringify({ ...valid, [field]: `x\u0000y` });
      answers.push(await changePassword(body, "application/json"));
      const form = new URLSearchParams({ ...valid, [field]: "x\u0000y" }).toString();
      answers.push(await changePassword(form, "application/x-www-form-urlencoded"));
    }
    // PostgreSQL text cannot hold NUL: an unchecked one fails the query, which reads as a 503.
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 400));
    for (const answer of answers) expectApiAnswer(answer);
  });

  it("change_password: arbitrary JSON, email values and form bodies", async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), contentTypes, async (value, type) => {
        expectApiAnswer(await changePassword(JSON.stringify(value), type));
      }),
      RUNS,
    );
    await fc.assert(
      fc.asyncProperty(
        anyEmailValue(STORED),
        fc.oneof(fc.constant(DEFAULT_CONNECTION), fc.jsonValue()),
        async (email, connection) => {
          const body = JSON.stringify({ email, connection });
          expectApiAnswer(await changePassword(body, "application/json"));
        },
      ),
      RUNS,
    );
    await fc.assert(
      fc.asyncProperty(
        formBody(fc.oneof(bentAddress(STORED), fc.string({ unit: "binary", maxLength: 60 }))),
        fc.boolean(),
        async (body, withConnection) => {
          const full = withConnection
            ? `${body}&connection=${encodeURIComponent(DEFAULT_CONNECTION)}`
            : body;
          expectApiAnswer(await changePassword(full, "application/x-www-form-urlencoded"));
        },
      ),
      RUNS,
    );
  });

  it("change_password: invalid UTF-8 and huge or endless bodies", async () => {
    await fc.assert(
      fc.asyncProperty(rawBytes, contentTypes, async (bytes, type) => {
        expectApiAnswer(await changePassword(bytes, type));
      }),
      RUNS,
    );
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 9_000, max: 3_000_000 }),
        fc.boolean(),
        async (size, chunked) => {
          const text = JSON.stringify({ email: "x".repeat(size), connection: DEFAULT_CONNECTION });
          const bytes = new TextEncoder().encode(text);
          const answer = await postRaw(
            `${slack.url}/dbconnections/change_password`,
            bytes,
            { "content-type": "application/json" },
            { chunked },
          );
          if (bytes.length > 10 * 1024) expect(answer.status).toBe(413);
          expectApiAnswer(answer);
        },
      ),
      HUGE_RUNS,
    );
  });

  it("signup: arbitrary JSON, any value in any field, form bodies, bytes and huge bodies", async () => {
    const signUp = (body: string | Uint8Array, type: string) =>
      post("/dbconnections/signup", body, type ? { "content-type": type } : {});
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), contentTypes, async (value, type) => {
        expectSignUpAnswer(await signUp(JSON.stringify(value), type));
      }),
      RUNS,
    );
    const fields = [
      "email",
      "password",
      "username",
      "given_name",
      "family_name",
      "name",
      "nickname",
      "picture",
      "user_metadata",
    ] as const;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...fields),
        fc.oneof(fc.jsonValue(), fc.string({ unit: "binary" }), anyEmailValue(STORED)),
        fc.nat(),
        async (field, value, n) => {
          const body = {
            client_id: clientId,
            connection: DEFAULT_CONNECTION,
            email: `corpus-${n}@example.org`,
            password: "a long enough corpus passphrase",
            [field]: value,
          };
          expectSignUpAnswer(await signUp(JSON.stringify(body), "application/json"));
        },
      ),
      RUNS,
    );
    await fc.assert(
      fc.asyncProperty(formBody(fc.string({ unit: "binary", maxLength: 60 })), async (body) => {
        const full = `${body}&client_id=${clientId}&connection=${encodeURIComponent(DEFAULT_CONNECTION)}`;
        expectSignUpAnswer(await signUp(full, "application/x-www-form-urlencoded"));
      }),
      RUNS,
    );
    await fc.assert(
      fc.asyncProperty(rawBytes, contentTypes, async (bytes, type) => {
        expectSignUpAnswer(await signUp(bytes, type));
      }),
      RUNS,
    );
    for (const size of [17 * 1024, 3_000_000]) {
      const text = JSON.stringify({ client_id: clientId, name: "x".repeat(size) });
      const answer = await signUp(text, "application/json");
      expect(answer.status).toBe(413);
      expectSignUpAnswer(answer);
    }
  });

  it("sign-in: arbitrary token, revocation and userinfo requests", async () => {
    const token = (body: string | Uint8Array, type: string, path = "/oauth/token") =>
      post(path, body, type ? { "content-type": type } : {});
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), contentTypes, async (value, type) => {
        expectTokenAnswer(await token(JSON.stringify(value), type));
      }),
      RUNS,
    );
    const fields = [
      "grant_type",
      "client_id",
      "client_secret",
      "username",
      "password",
      "realm",
      "scope",
      "audience",
      "refresh_token",
    ] as const;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...fields),
        fc.oneof(fc.jsonValue(), fc.string({ unit: "binary" }), anyEmailValue(STORED)),
        fc.constantFrom(
          "password",
          "http://auth0.com/oauth/grant-type/password-realm",
          "refresh_token",
        ),
        async (field, value, grantType) => {
          const body = {
            grant_type: grantType,
            client_id: clientId,
            username: STORED[0],
            password: "not the password",
            realm: DEFAULT_CONNECTION,
            refresh_token: "corpus",
            [field]: value,
          };
          expectTokenAnswer(await token(JSON.stringify(body), "application/json"));
        },
      ),
      RUNS,
    );
    await fc.assert(
      fc.asyncProperty(formBody(fc.string({ unit: "binary", maxLength: 60 })), async (body) => {
        const full = `${body}&client_id=${clientId}&grant_type=password`;
        expectTokenAnswer(await token(full, "application/x-www-form-urlencoded"));
        expectTokenAnswer(await token(full, "application/x-www-form-urlencoded", "/oauth/revoke"));
      }),
      RUNS,
    );
    await fc.assert(
      fc.asyncProperty(rawBytes, contentTypes, async (bytes, type) => {
        expectTokenAnswer(await token(bytes, type));
      }),
      RUNS,
    );
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: "binary", maxLength: 300 }), async (authorization) => {
        const response = await fetch(`${slack.url}/userinfo`, {
          headers: { authorization: `Bearer ${authorization.replace(/[^\x20-\x7e]/g, "")}` },
        });
        expect(response.status).toBe(401);
      }),
      RUNS,
    );
    const huge = JSON.stringify({ client_id: clientId, password: "x".repeat(3_000_000) });
    const answer = await token(huge, "application/json");
    expect(answer.status).toBe(413);
    expectTokenAnswer(answer);
  });

  it("the reset page: arbitrary forms, tickets and bytes", async () => {
    const form = await openNewestForm(sendgrid, slack.url, "form@example.org");
    expect(form.csrf).not.toBe("");
    const ticket = fc.oneof(
      fc.constant(form.ticket),
      fc.string({ unit: "binary", maxLength: 150 }),
      fc.base64String({ maxLength: 60 }),
    );
    const text = fc.string({ unit: "binary", maxLength: 100 });
    await fc.assert(
      fc.asyncProperty(
        fc.record({ ticket, password: text, confirmation: text, extra: formBody(text) }),
        fc.constantFrom(form.csrf, "", "forged"),
        fc.boolean(),
        fc.boolean(),
        async (fields, csrf, withCookie, confirmed) => {
          const { extra, ...named } = fields;
          if (confirmed) named.confirmation = named.password;
          const body = `${new URLSearchParams({ ...named, csrf })}&${extra}`;
          const headers = {
            "content-type": "application/x-www-form-urlencoded",
            ...(withCookie && { cookie: form.cookie }),
          };
          expectPageAnswer(await post("/lo/reset", body, headers));
        },
      ),
      RUNS,
    );
    await fc.assert(
      fc.asyncProperty(rawBytes, contentTypes, async (bytes, type) => {
        expectPageAnswer(await post("/lo/reset", bytes, type ? { "content-type": type } : {}));
      }),
      RUNS,
    );
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: "binary", maxLength: 300 }), async (query) => {
        const url = `${slack.url}/lo/reset?ticket=${encodeURIComponent(query)}`;
        expectPageAnswer(await answerOf(await fetch(url, { redirect: "manual" })));
      }),
      RUNS,
    );
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 16_000, max: 3_000_000 }), async (size) => {
        const body = `ticket=${"a".repeat(size)}`;
        const headers = { "content-type": "application/x-www-form-urlencoded" };
        expectPageAnswer(await post("/lo/reset", body, headers));
      }),
      HUGE_RUNS,
    );
  });

  it("/slack/events: unsigned, badly signed and signed garbage", async () => {
    const body = slackEventBody(STORED, slack.fake.responseUrl("fuzz"));
    await fc.assert(
      fc.asyncProperty(
        body,
        fc.option(contentTypes),
        fc.constantFrom("unsigned", "wrong secret", "signed"),
        async (text, type, signing) => {
          // Without a type, the one Slack would send for this body.
          const headers: Record<string, string> = type === null ? {} : { "content-type": type };
          const answer =
            signing === "unsigned"
              ? await post("/slack/events", text, headers)
              : await answerOf(
                  await slack.send(text, {
                    ...(signing === "wrong secret" && { secret: "not-the-signing-secret" }),
                    headers,
                  }),
                );
          expectSlackAnswer(answer, signing === "signed");
        },
      ),
      RUNS,
    );
    await fc.assert(
      fc.asyncProperty(rawBytes, contentTypes, async (bytes, type) => {
        const headers: Record<string, string> = type ? { "content-type": type } : {};
        expectSlackAnswer(await post("/slack/events", bytes, headers), false);
      }),
      RUNS,
    );
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1_100_000, max: 3_000_000 }), async (size) => {
        const body = `token=${"a".repeat(size)}`;
        const headers = {
          "content-type": "application/x-www-form-urlencoded",
          ...signSlackRequest(body, SLACK.signingSecret),
        };
        const answer = await post("/slack/events", body, headers);
        expect(answer.status).toBe(413);
        expectSlackAnswer(answer, true);
      }),
      HUGE_RUNS,
    );
  });

  it("no email ever went to anyone but the stored user whose address was asked for", async () => {
    await sleep(2_000); // the worker sends what the corpus queued
    const emails = sendgrid.sentEmails();
    expect(sendgrid.requests.every((request) => request.schemaErrors.length === 0)).toBe(true);
    for (const email of emails) expect(STORED).toContain(email.to.join());

    // Byte for byte: the recipient is the normalised address the request named, never a
    // look-alike that merely folds onto it.
    const rows = await slack.inspect((_repo, db) =>
      db
        .select({ to: emailOutbox.toAddress, requested: resetRequests.email })
        .from(emailOutbox)
        .innerJoin(resetRequests, eq(emailOutbox.requestId, resetRequests.id)),
    );
    for (const row of rows) expect(row.to).toBe(row.requested);
    // The sign-in corpus's wrong passwords for a stored user block them, and the block's notice
    // goes to that user straight through the mailer, not through a reset request.
    const blockNotices = emails.filter((email) => /^Failed sign-in attempts/.test(email.subject));
    expect(blockNotices.length).toBeLessThanOrEqual(1);
    expect(rows.length).toBeGreaterThanOrEqual(emails.length - blockNotices.length);

    writeFaultReport("bad-input", {
      backend: faultBackend,
      runsPerProperty: RUNS.numRuns,
      hugeBodyRuns: HUGE_RUNS.numRuns,
      ...summary(),
      emailsSent: emails.length,
      signInBlockNotices: blockNotices.length,
      emailsToStoredOwners: emails.filter((email) => STORED.includes(email.to.join())).length,
      outboxRowsCheckedAgainstRequest: rows.length,
      recipients: Object.fromEntries(
        STORED.map((address) => [address, emails.filter((e) => e.to.join() === address).length]),
      ),
    });
  });
});
