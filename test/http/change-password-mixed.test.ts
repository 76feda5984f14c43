import { inArray } from "drizzle-orm";
import fc from "fast-check";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../src/clock.ts";
import type { DatabaseHandle } from "../../src/db/client.ts";
import { resetRequests } from "../../src/db/schema.ts";
import { createChangePasswordRoute } from "../../src/http/change-password/route.ts";
import { normalizeEmail } from "../../src/users/email.ts";
import { backends, createTestDatabase, type TestDatabase } from "../support/database.ts";
import { type LocalServer, serveLocally } from "../support/local-server.ts";
import { DEFAULT_CONNECTION, silentLogger } from "../support/reset-fixture.ts";

/** Bodies an attacker sends beside everyone else's; each is refused or stored on its own. */
const hostileBody = fc.oneof(
  fc.constantFrom(
    `{"email":"\\ud800x@corp.example","connection":"${DEFAULT_CONNECTION}"}`,
    `{"email":"x\\udfff@corp.example","connection":"${DEFAULT_CONNECTION}"}`,
    `{"email":"a@corp.example","connection":"${DEFAULT_CONNECTION}","organization":"\\ud800"}`,
    `{"email":"a\\u0000b@corp.example","connection":"${DEFAULT_CONNECTION}"}`,
    `{"email":["a@corp.example","b@corp.example"],"connection":"${DEFAULT_CONNECTION}"}`,
    `{"email":"${"a".repeat(250)}@corp.example","connection":"${DEFAULT_CONNECTION}"}`,
    '{"email":"a@corp.example","connection":"no-such-connection"}',
    "{not json",
  ),
  // Valid but unusual addresses: accepted, and then stored like any other.
  fc
    .constantFrom("e\u0301", "😀", "\u202e", "ß", "日本", "İ")
    .map((odd) => JSON.stringify({ email: `${odd}@corp.example`, connection: DEFAULT_CONNECTION })),
);

const batch = fc.array(
  fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 2, arbitrary: hostileBody }),
  { minLength: 2, maxLength: 30 },
);

describe.each(backends)(
  "change_password with hostile requests among normal ones, on %s",
  (backend) => {
    let database: TestDatabase;
    let handle: DatabaseHandle;
    let server: LocalServer;

    beforeAll(async () => {
      database = await createTestDatabase(backend);
      const opened = await database.open();
      handle = opened.handle;
      const app = new Hono();
      app.route(
        "/",
        createChangePasswordRoute({
          repo: opened.repo,
          clock: systemClock,
          logger: silentLogger,
          limits: {
            perEmail: { burst: 1_000, perMinute: 1_000 },
            perIp: { burst: 1_000_000, perMinute: 1_000_000 },
          },
          trustedProxies: 1,
        }),
      );
      server = await serveLocally(app);
    });
    afterAll(async () => {
      await server?.close();
      await handle?.close();
      await database?.drop();
    });

    it("answers every normal request 200 exactly when it is stored, and never a 5xx", async () => {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(batch, async (planned) => {
          run += 1;
          // All sent at once, so that the ones that reach the store share its statements.
          const sent = planned.map((hostile, i) => {
            const normal = hostile === undefined;
            const email = `mixed-${run}-${i}@corp.example`;
            const body = normal
              ? JSON.stringify({ email, connection: DEFAULT_CONNECTION })
              : hostile;
            return { normal, email, body, ip: `10.9.${run % 250}.${i}` };
          });
          const answers = await Promise.all(
            sent.map(({ body, ip }) =>
              fetch(`http://127.0.0.1:${server.port}/dbconnections/change_password`, {
                method: "POST",
                headers: { "content-type": "application/json", "x-forwarded-for": ip },
                body,
              }).then(async (response) => ({
                status: response.status,
                text: await response.text(),
              })),
            ),
          );
          const storedEmails = (
            await handle.db
              .select({ email: resetRequests.email })
              .from(resetRequests)
              .where(
                inArray(
                  resetRequests.clientIp,
                  sent.map((s) => s.ip),
                ),
              )
          ).map((row) => row.email);
          sent.forEach(({ normal, email }, i) => {
            const answer = answers[i];
            expect(answer?.status, sent[i]?.body).toBeLessThan(500);
            if (normal) {
              expect(answer?.status, email).toBe(200);
              expect(storedEmails).toContain(normalizeEmail(email));
            }
          });
          // Every 200 is a stored request, and every stored request was answered 200.
          expect(storedEmails.length).toBe(
            answers.filter((answer) => answer.status === 200).length,
          );
        }),
        { numRuns: 30 },
      );
    });
  },
);
