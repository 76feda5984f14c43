import type { FakeSlack } from "../test/support/fake-slack.ts";
import { createSignedRequest, slashCommandBody } from "../test/support/slack-requests.ts";
import { type BenchDatabase, DEFAULT_CONNECTION, emailsFor, seedUsers } from "./database.ts";
import { BENCH_SLACK } from "./passdesk.ts";
import type { ChildServer } from "./processes.ts";
import { figure, type SectionResult } from "./report-types.ts";
import { percentile } from "./stats.ts";

/** No request may hang the bench. */
const REQUEST_TIMEOUT_MILLIS = 15_000;

export interface SlackAckOptions {
  passdesk: ChildServer;
  database: BenchDatabase;
  fakeSlack: FakeSlack;
  passwordHash: string;
  log(line: string): void;
}

const CONCURRENT = 50;
const MEASURED_ROUNDS = 4;

async function timed(
  request: () => Promise<Response>,
): Promise<{ millis: number; status: number }> {
  const started = performance.now();
  const response = await request();
  await response.arrayBuffer();
  return { millis: performance.now() - started, status: response.status };
}

/**
 * Section 5: 50 signed `/reset-password` commands sent at once, a warm-up burst then
 * `MEASURED_ROUNDS` bursts; the ack latency is the HTTP response time of /slack/events. The floor
 * is 50 simultaneous GET /healthz on the same server: HTTP and scheduling with no work at all.
 */
export async function benchSlackAck(options: SlackAckOptions): Promise<SectionResult> {
  const { passdesk, fakeSlack } = options;
  const targets = emailsFor("slack-", CONCURRENT * (MEASURED_ROUNDS + 1));
  await seedUsers(options.database.sql, DEFAULT_CONNECTION, targets, options.passwordHash);
  const acks: number[] = [];
  const floor: number[] = [];
  let failures = 0;
  let sequence = 0;
  const measuredIds = new Set<string>();
  let measuring = false;

  const burst = async () => {
    const round = await Promise.all(
      Array.from({ length: CONCURRENT }, () => {
        const id = `bench-${sequence}`;
        if (measuring) measuredIds.add(id);
        const email = targets[sequence++ % targets.length] as string;
        const body = slashCommandBody({
          command: "/reset-password",
          text: email,
          userId: BENCH_SLACK.admin,
          teamId: BENCH_SLACK.teamId,
          responseUrl: fakeSlack.responseUrl(id),
        });
        const { headers } = createSignedRequest(body, BENCH_SLACK.signingSecret);
        return timed(() =>
          fetch(`${passdesk.url}/slack/events`, {
            method: "POST",
            headers,
            body,
            signal: AbortSignal.timeout(REQUEST_TIMEOUT_MILLIS),
          }),
        );
      }),
    );
    failures += round.filter((result) => result.status !== 200).length;
    return round.map((result) => result.millis);
  };
  const healthBurst = () =>
    Promise.all(
      Array.from({ length: CONCURRENT }, () =>
        timed(() =>
          fetch(`${passdesk.url}/healthz`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MILLIS) }),
        ),
      ),
    );

  await burst();
  await healthBurst();
  measuring = true;
  for (let round = 0; round < MEASURED_ROUNDS; round++) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    floor.push(...(await healthBurst()).map((result) => result.millis));
    await new Promise((resolve) => setTimeout(resolve, 500));
    acks.push(...(await burst()));
  }
  // Every command must also finish: its reply arrives at the response URL.
  const deadline = Date.now() + 30_000;
  const expected = CONCURRENT * MEASURED_ROUNDS;
  const countReplies = () =>
    new Set(
      fakeSlack
        .responses()
        .map((reply) => reply.id)
        .filter((id) => measuredIds.has(id)),
    ).size;
  while (countReplies() < expected && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const replies = countReplies();
  options.log(
    `  ack p50 ${percentile(acks, 50).toFixed(1)} ms, p99 ${percentile(acks, 99).toFixed(1)} ms; /healthz p99 ${percentile(floor, 99).toFixed(1)} ms; ${replies}/${expected} replies`,
  );

  const section = "5 Slack ack";
  const floorLabel = "50 × GET /healthz";
  return {
    figures: [
      figure({
        section,
        measure: "ack p50, 50 at once",
        unit: "ms",
        value: percentile(acks, 50),
        floor: percentile(floor, 50),
        floorLabel,
      }),
      figure({
        section,
        measure: "ack p99, 50 at once",
        unit: "ms",
        value: percentile(acks, 99),
        floor: percentile(floor, 99),
        floorLabel,
        target: "≤ 300 ms",
        met: percentile(acks, 99) <= 300,
      }),
    ],
    details: {
      concurrent: CONCURRENT,
      measuredRounds: MEASURED_ROUNDS,
      ackMillis: { p50: percentile(acks, 50), p99: percentile(acks, 99), max: Math.max(...acks) },
      healthzMillis: {
        p50: percentile(floor, 50),
        p99: percentile(floor, 99),
        max: Math.max(...floor),
      },
      failedAcks: failures,
      repliesReceived: replies,
      repliesExpected: expected,
    },
    notes: [
      ...(failures > 0 ? [`${failures} Slack commands were not answered 200`] : []),
      ...(replies < expected
        ? [`only ${replies} of ${expected} command replies arrived within 30 s`]
        : []),
    ],
  };
}
