import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resetRequests } from "../../src/db/schema.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { type ServerProcess, startServerProcess } from "../support/server-process.ts";
import { sleep, waitFor } from "../support/wait-for.ts";
import { writeFaultReport } from "./support/fault-report.ts";
import { localCluster, restartCluster } from "./support/postgres-cluster.ts";
import { postChangePassword } from "./support/reset-api.ts";

const LANES = 4;
/** Generous: during the restart a request may wait out the pool's connect timeouts (5 s each). */
const REQUEST_TIMEOUT_MILLIS = 30_000;

interface Sample {
  email: string;
  status: number | "no_answer";
  body: string;
  at: number;
  millis: number;
}

// CAUTION: restarts the shared local PostgreSQL cluster. `npm run test:faults` runs one file at a
// time; anything else using that cluster meanwhile sees its connections cut for a second or two.
describe.skipIf(!localCluster())("a PostgreSQL restart under load", () => {
  let database: TestDatabase;
  let server: ServerProcess | undefined;

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
  });
  afterAll(async () => {
    await server?.stop("SIGKILL");
    await database?.drop();
  });

  it("answers 503 while the database is away, loses no 200 and recovers without a restart", {
    timeout: 120_000,
  }, async () => {
    const startedAt = Date.now();
    server = await startServerProcess(database.env, {
      RATE_LIMIT_PER_IP_BURST: "1000000",
      RATE_LIMIT_PER_IP_PER_MINUTE: "1000000",
      // Not about the per-recipient limit: every request for a user is to be sent.
      RATE_LIMIT_PER_RECIPIENT_BURST: "1000000",
    });
    const baseUrl = server.baseUrl;
    const samples: Sample[] = [];
    const readiness: Array<{ status: number; at: number }> = [];
    let running = true;
    let sequence = 0;

    const lane = async () => {
      while (running) {
        sequence += 1;
        const email = `load-${String(sequence).padStart(6, "0")}@example.org`;
        const at = Date.now();
        try {
          const { status, body } = await postChangePassword(baseUrl, email, {
            signal: AbortSignal.timeout(REQUEST_TIMEOUT_MILLIS),
          });
          samples.push({ email, status, body, at, millis: Date.now() - at });
        } catch (error) {
          const cause = (error as { cause?: { code?: string } }).cause?.code;
          const reason = `${(error as Error).name}${cause ? ` ${cause}` : ""} after ${Date.now() - at} ms`;
          samples.push({ email, status: "no_answer", body: reason, at, millis: Date.now() - at });
          await sleep(50);
        }
      }
    };
    const probe = async () => {
      while (running) {
        const response = await fetch(`${baseUrl}/readyz`, {
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MILLIS),
        }).catch(() => undefined);
        readiness.push({ status: response?.status ?? 0, at: Date.now() });
        await response?.text();
        await sleep(100);
      }
    };
    const load = Promise.all([...Array.from({ length: LANES }, lane), probe()]);
    const ok = () => samples.filter((sample) => sample.status === 200);
    /** Fails the wait at once, with the reason, if the server process died. */
    const alive = (condition: () => boolean) => () => {
      const { exitCode, signalCode } = server?.child ?? {};
      if (exitCode !== null || signalCode !== null) {
        running = false;
        const stderr = server?.output().stderr.trim().split("\n").slice(0, 6).join("\n");
        throw new Error(
          `Passdesk exited (${exitCode ?? signalCode}) instead of recovering:\n${stderr}`,
        );
      }
      return condition();
    };

    await waitFor(
      alive(() => ok().length >= 100),
      30_000,
      "100 requests stored before the restart",
    );
    const restartAt = Date.now();
    const { restartMillis, readyMillis } = await restartCluster();
    const readyAt = restartAt + readyMillis;
    await waitFor(
      alive(() => ok().filter((sample) => sample.at > readyAt).length >= 100),
      30_000,
      "100 requests stored after the restart",
    );
    await waitFor(
      alive(() => readiness.some((probed) => probed.at > readyAt && probed.status === 200)),
      REQUEST_TIMEOUT_MILLIS + 5_000,
      "/readyz to be ready again",
    );
    running = false;
    await load;

    // The same process throughout: it recovered on its own.
    expect(server.child.exitCode).toBeNull();
    const otherAnswers = samples
      .filter((sample) => sample.status !== 200 && sample.status !== 503)
      .map(
        (s) =>
          `${s.status} ${s.body.slice(0, 120)} (sent ${s.at - restartAt} ms after the restart began)`,
      );
    expect(otherAnswers).toEqual([]);
    const unavailable = samples.filter((sample) => sample.status === 503);
    expect(unavailable.length).toBeGreaterThan(0);
    for (const sample of unavailable) {
      expect(JSON.parse(sample.body)).toEqual({
        error: "temporarily_unavailable",
        error_description: expect.any(String),
      });
    }
    expect(readiness.some((probed) => probed.status === 503)).toBe(true);

    // Every 200 promised a stored request: all of them are in the database.
    const { handle } = await database.open();
    const stored = new Set(
      (await handle.db.select({ email: resetRequests.email }).from(resetRequests)).map(
        (row) => row.email,
      ),
    );
    const okEmails = ok().map((sample) => sample.email);
    const lost = okEmails.filter((email) => !stored.has(email));
    expect(lost).toEqual([]);
    const storedDespite503 = unavailable.filter((sample) => stored.has(sample.email)).length;

    // The worker picked up again too: nothing stored is left unresolved.
    await waitFor(
      async () =>
        (await handle.db.select({ status: resetRequests.status }).from(resetRequests)).every(
          (row) => row.status !== "pending",
        ),
      20_000,
      "every stored request to be resolved",
    );
    await handle.close();

    const firstFailure = Math.min(...unavailable.map((sample) => sample.at));
    const lastFailure = Math.max(...unavailable.map((sample) => sample.at));
    writeFaultReport("database-restart", {
      lanes: LANES,
      requests: samples.length,
      answered200: okEmails.length,
      answered503: unavailable.length,
      answered500: samples.filter((sample) => sample.status === 500).length,
      noAnswer: samples.filter((sample) => sample.status === "no_answer").length,
      answered200Lost: lost.length,
      answered503ButStored: storedDespite503,
      readyzProbes503: readiness.filter((probed) => probed.status === 503).length,
      clusterRestartMillis: restartMillis,
      clusterReadyMillis: readyMillis,
      window503Millis: lastFailure - firstFailure,
      firstOkMillisAfterReady:
        Math.min(
          ...ok()
            .filter((s) => s.at > readyAt)
            .map((s) => s.at),
        ) - readyAt,
      storedRequests: stored.size,
      slowestAnswerMillis: Math.max(...samples.map((sample) => sample.millis)),
      answersSlowerThan5s: samples.filter((sample) => sample.millis > 5_000).length,
      runSeconds: Math.round((Date.now() - startedAt) / 1000),
    });
  });
});
