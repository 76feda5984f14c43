import { randomBytes } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLog, signInFailures } from "../../src/db/schema.ts";
import { DEFAULT_CONNECTION } from "../support/reset-fixture.ts";
import type { ServerProcess } from "../support/server-process.ts";
import { sleep } from "../support/wait-for.ts";
import { writeFaultReport } from "./support/fault-report.ts";
import { SEED_PASSWORD } from "./support/seed-users.ts";
import { type SendGridRig, startSendGridRig } from "./support/sendgrid-rig.ts";
import { logLines } from "./support/server-log.ts";

const LOCKED = "lockout@example.org";
const CONTROL = "control@example.org";
const WRONG_ATTEMPTS = 30;
const PUBLIC_URL = "https://passdesk.example.com";
const BLOCKED_DESCRIPTION =
  "Your account has been blocked after multiple consecutive login attempts. We've sent you an email with instructions on how to unblock it.";

/**
 * The three instances behind one load balancer: one public URL, one key-encryption key. Every
 * request comes from 127.0.0.1, so the per-IP limits (token requests, failures per IP) and the
 * Argon2 queue are set out of the way: the subject is the per-identifier count alone.
 */
const INSTANCE_ENV: Record<string, string> = {
  PUBLIC_URL,
  PASSDESK_KEY_ENCRYPTION_KEY: randomBytes(32).toString("hex"),
  SENDGRID_API_KEY: "SG.fault-lockout",
  SIGN_IN_RATE_LIMIT_PER_IP_BURST: "100000",
  SIGN_IN_RATE_LIMIT_PER_IP_PER_MINUTE: "100000",
  SIGN_IN_IP_FAILURES_BURST: "100000",
  SIGN_IN_IP_FAILURES_PER_MINUTE: "100000",
  ARGON2_MAX_QUEUED: "1000",
  ARGON2_MAX_WAIT_MILLIS: "30000",
};

interface TokenAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** Auth0's password-realm grant from a public client, as auth0.js sends it. */
async function signIn(
  baseUrl: string,
  clientId: string,
  username: string,
  password: string,
): Promise<TokenAnswer> {
  const response = await fetch(`${baseUrl}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      grant_type: "http://auth0.com/oauth/grant-type/password-realm",
      client_id: clientId,
      realm: DEFAULT_CONNECTION,
      username,
      password,
    }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const tally = (answers: TokenAnswer[]) => {
  const counts: Record<number, number> = {};
  for (const { status } of answers) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
};

describe.skipIf(!process.env.TEST_DATABASE_URL)("three instances share one sign-in lockout", () => {
  let rig: SendGridRig;
  let clientId: string;
  let maxAttempts: number;

  beforeAll(async () => {
    rig = await startSendGridRig("postgres", { users: [LOCKED, CONTROL] });
    const { handle, repo } = await rig.database.open();
    try {
      const connection = await repo.connections.findByName(DEFAULT_CONNECTION);
      maxAttempts = connection?.bruteForce.maxAttempts ?? Number.NaN;
      clientId = (await repo.clients.add({ name: "Browser app", webOrigins: [] })).clientId;
    } finally {
      await handle.close();
    }
  });
  afterAll(() => rig?.close());

  it("wrong passwords spread over three instances at once are refused past the maximum, and then the right one too", async () => {
    const startedAt = Date.now();
    // Started together on a database with no signing key yet: they race to make it.
    const instances: ServerProcess[] = await Promise.all(
      [0, 1, 2].map(() => rig.startServer(INSTANCE_ENV)),
    );
    const urlFor = (i: number) => instances[i % instances.length]?.baseUrl ?? "";

    const signInControl = () =>
      Promise.all([0, 1, 2].map((i) => signIn(urlFor(i), clientId, CONTROL, SEED_PASSWORD)));
    // Each instance signs in first (which also warms its route and pools, so that the burst
    // below interleaves across instances rather than landing on whichever woke first).
    const controlBefore = await signInControl();

    const wrong = await Promise.all(
      Array.from({ length: WRONG_ATTEMPTS }, (_, i) =>
        signIn(urlFor(i), clientId, LOCKED, `wrong password ${i}`),
      ),
    );
    const right = await Promise.all(
      [0, 1, 2].map((i) => signIn(urlFor(i), clientId, LOCKED, SEED_PASSWORD)),
    );
    // Another identifier on the same IP still signs in on every instance: the block is the
    // identifier's.
    const controlAfter = await signInControl();
    const control = [...controlBefore, ...controlAfter];

    const answers = [...wrong, ...right, ...control];
    expect(answers.filter((answer) => answer.status >= 500)).toEqual([]);
    expect(instances.flatMap(logLines).filter((line) => line.level >= 50)).toEqual([]);
    // Each attempt is counted in one row under one lock before its password is checked, so
    // exactly the first `maxAttempts` get as far as the check, whichever instance took them.
    expect(maxAttempts).toBe(10);
    expect(tally(wrong)).toEqual({ 403: maxAttempts, 429: WRONG_ATTEMPTS - maxAttempts });
    for (const { status, body } of wrong) {
      expect(body).toEqual(
        status === 403
          ? { error: "invalid_grant", error_description: "Wrong email or password." }
          : { error: "too_many_attempts", error_description: BLOCKED_DESCRIPTION },
      );
    }
    expect(right).toEqual(
      [0, 1, 2].map(() => ({
        status: 429,
        body: { error: "too_many_attempts", error_description: BLOCKED_DESCRIPTION },
      })),
    );
    expect(control.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200, 200]);
    // One signing key made by the race: the JWKS of any instance verifies every instance's tokens.
    const jwks = createRemoteJWKSet(new URL(`${urlFor(0)}/.well-known/jwks.json`));
    for (const { body } of control) {
      const { payload } = await jwtVerify(String(body.id_token), jwks, {
        issuer: `${PUBLIC_URL}/`,
        audience: clientId,
      });
      expect(payload.email).toBe(CONTROL);
    }

    // One block, told once: one audit entry and one email, not one per instance.
    await rig.sendgrid.waitForEmails(1, 30_000);
    await sleep(2_000); // time for a second email to show up, were there one
    const emailed = rig.sendgrid.sentEmails().filter((email) => email.to.includes(LOCKED));
    expect(emailed).toHaveLength(1);
    expect(rig.sendgrid.sentEmails()).toHaveLength(1);
    const { handle } = await rig.database.open();
    try {
      const blocks = await handle.db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.action, "sign_in.blocked"), eq(auditLog.targetEmail, LOCKED)));
      expect(blocks).toHaveLength(1);
      const rows = await handle.db.select().from(signInFailures);
      expect(rows.map((row) => [row.email, row.ip, row.blockedAt !== null])).toEqual([
        [LOCKED, "127.0.0.1", true],
      ]);

      writeFaultReport("three-instances-lockout", {
        instances: instances.length,
        maxAttempts,
        wrongPasswordsAtOnce: WRONG_ATTEMPTS,
        wrongStatuses: tally(wrong),
        wrongPerInstance: [0, 1, 2].map((n) => ({
          instance: n,
          statuses: tally(wrong.filter((_, i) => i % 3 === n)),
        })),
        rightPasswordStatuses: right.map((answer) => answer.status),
        controlStatuses: control.map((answer) => answer.status),
        failuresCounted: rows[0]?.failures,
        blockAudits: blocks.length,
        blockEmails: emailed.length,
        runSeconds: Math.round((Date.now() - startedAt) / 1000),
      });
    } finally {
      await handle.close();
    }
  });
});
