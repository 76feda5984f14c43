/**
 * `npx tsx bench/reset-flood.ts [--root DIR] [--seconds 15] [--rate 100] [--rounds 2]
 * [--out FILE] [--label TEXT]`: the outside review's reset-page flood. One valid link; a client
 * (bench/reset-flood-client.ts, a process of its own) posts refused submissions of it as fast as
 * it can, 40 at a time, while change_password is measured at a fixed offered rate; quiet and
 * flooded phases alternate. It builds and runs the Passdesk checked out at `--root` (default: this
 * one), so the same measurement can be taken of an older commit (e.g. a `git archive` of it with
 * node_modules linked in). Argon2 operations are counted in Passdesk's process by
 * bench/count-argon2.cjs, below Passdesk's code. Needs PostgreSQL at DATABASE_URL (default
 * postgres://postgres@127.0.0.1:5432/postgres) where it may create and drop a database.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { createArgon2Hasher } from "../src/passwords/argon2-hasher.ts";
import { coresUsed, snapshotCpu } from "./cpu.ts";
import { type BenchDatabase, createBenchDatabase, issueTickets } from "./database.ts";
import {
  type ChildServer,
  freePort,
  repoRoot,
  startChildServer,
  startScriptNodeArgs,
} from "./processes.ts";
import { median } from "./stats.ts";

const { values: args } = parseArgs({
  options: {
    root: { type: "string", default: repoRoot },
    seconds: { type: "string", default: "15" },
    rate: { type: "string", default: "100" },
    rounds: { type: "string", default: "2" },
    out: { type: "string" },
    /** What `--root` holds, for the report when it is not a git checkout (e.g. a `git archive`). */
    label: { type: "string" },
  },
});
const root = resolve(args.root);
const seconds = Math.max(5, Number(args.seconds));
const changePasswordRate = Math.max(1, Number(args.rate));
const rounds = Math.max(1, Number(args.rounds));
const adminUrl = process.env.DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres";
const log = (line: string) => process.stdout.write(`${line}\n`);

const FLOOD_LANES = 40;
// No part of it is in the passwords below: the personal-data rule must not refuse them.
const EMAIL = "mallory@bench.example";
/** Oldest first. The user's current password is the last; a default policy keeps 5. */
const HISTORY = [1, 2, 3, 4, 5].map((n) => `Flood history passphrase number ${n}`);
const VARIANTS = [
  {
    label: "weak password (too short, common), one client IP",
    password: "password1",
    rotateIps: false,
  },
  {
    // Passes every rule but history, and matches the oldest entry: the most Argon2 verifies a
    // rejected submission can cost.
    label: "reused password (oldest of 5), a new client IP per post",
    password: HISTORY[0] as string,
    rotateIps: true,
  },
] as const;

setTimeout(() => {
  log("reset-flood: over 10 minutes, giving up");
  process.exit(2);
}, 10 * 60_000).unref();

async function build(dir: string): Promise<void> {
  const child = spawn(process.execPath, ["scripts/build.mjs"], { cwd: dir, stdio: "inherit" });
  const [code] = await once(child, "exit");
  if (code !== 0) throw new Error(`scripts/build.mjs exited with ${code} in ${dir}`);
}

/** One user whose history holds 5 OWASP-cost hashes, the newest of them current. */
async function seedUser(database: BenchDatabase): Promise<number> {
  const hasher = createArgon2Hasher();
  const hashes: string[] = [];
  for (const password of HISTORY) hashes.push(await hasher.hash(password));
  const [row] = await database.sql<{ id: string }[]>`
    insert into users (connection_id, email, password_hash, password_changed_at)
    select id, ${EMAIL}, ${hashes.at(-1) as string}, now() from connections
    where name = 'Username-Password-Authentication'
    returning id`;
  const id = Number(row?.id);
  for (const hash of hashes) {
    await database.sql`insert into password_history (user_id, password_hash) values (${id}, ${hash})`;
  }
  return id;
}

function readArgon2Count(file: string): number {
  const counts = JSON.parse(readFileSync(file, "utf8")) as { hash: number; verify: number };
  return counts.hash + counts.verify;
}

let ipSequence = 0;
function nextIp(): string {
  ipSequence += 1;
  return `198.18.${(ipSequence >> 8) & 255}.${ipSequence & 255}`;
}

/** change_password at a fixed offered rate, fresh email and client IP each (no limit trips). */
async function measureChangePassword(url: string, durationSeconds: number, prefix: string) {
  let n = 0;
  const result = await autocannon({
    url,
    connections: 16,
    overallRate: changePasswordRate,
    duration: durationSeconds,
    timeout: 10,
    requests: [
      {
        method: "POST",
        path: "/dbconnections/change_password",
        setupRequest: (request) => {
          n += 1;
          return {
            ...request,
            body: JSON.stringify({
              email: `${prefix}-${n}@load.bench.example`,
              connection: "Username-Password-Authentication",
            }),
            headers: { "content-type": "application/json", "x-forwarded-for": nextIp() },
          };
        },
      },
    ],
  });
  return {
    requestsPerSecond: result.requests.average,
    p50Millis: result.latency.p50,
    p99Millis: result.latency.p99,
    maxMillis: result.latency.max,
    failed: result.non2xx + result.errors + result.timeouts,
  };
}

/**
 * Starts bench/reset-flood-client.ts in a process of its own, `FLOOD_LANES` posts at a time for
 * `seconds`; resolves with the answers by status and the cores the client used.
 */
function startFlood(
  passdesk: ChildServer,
  ticket: string,
  variant: (typeof VARIANTS)[number],
): Promise<{ statuses: Record<string, number>; cores: number }> {
  // At the lowest priority: an attacker's CPU is not the server's, and on one machine the client
  // would otherwise take cores from Passdesk and from the measurement.
  const client = [process.execPath, "--import", "tsx", "bench/reset-flood-client.ts"];
  const child = spawn("nice", ["-n", "19", ...client], {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "inherit"],
    env: {
      ...process.env,
      FLOOD_URL: passdesk.url,
      FLOOD_TICKET: ticket,
      FLOOD_PASSWORD: variant.password,
      FLOOD_ROTATE_IPS: variant.rotateIps ? "1" : "0",
      FLOOD_LANES: String(FLOOD_LANES),
      FLOOD_SECONDS: String(seconds),
    },
  });
  let out = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    out += chunk;
  });
  return once(child, "exit").then(([code]) => {
    if (code !== 0) throw new Error(`the flooding client exited with ${code}`);
    return JSON.parse(out) as { statuses: Record<string, number>; cores: number };
  });
}

const database = await createBenchDatabase(adminUrl, "flood");
const countFile = join(tmpdir(), `passdesk-argon2-count-${process.pid}.json`);
let passdesk: ChildServer | undefined;
try {
  await build(root);
  const userId = await seedUser(database);
  const port = await freePort();
  passdesk = await startChildServer({
    name: "passdesk",
    script: join(root, "dist/main.js"),
    typescript: false,
    nodeArgs: [...startScriptNodeArgs(), "--require", join(repoRoot, "bench/count-argon2.cjs")],
    port,
    readyPath: "/readyz",
    env: {
      DATABASE_URL: database.url,
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      LOG_LEVEL: "warn",
      TRUST_PROXY: "1",
      ARGON2_COUNT_FILE: countFile,
    },
  });
  const server = passdesk;
  const commit = args.label ?? (await gitCommit(root));
  log(`Passdesk ${commit} from ${root}, ready in ${server.readyMillis.toFixed(0)} ms`);
  await measureChangePassword(server.url, 3, "warm");

  interface Phase {
    label: string;
    changePassword: Awaited<ReturnType<typeof measureChangePassword>>;
    posts: Record<string, number>;
    argon2Operations: number;
    cores: Record<string, number>;
    ticket: unknown;
  }
  const phases: Phase[] = [];
  const measurePhase = async (
    label: string,
    variant: (typeof VARIANTS)[number] | undefined,
  ): Promise<void> => {
    const [ticket] = await issueTickets(database.sql, [userId]);
    await new Promise((done) => setTimeout(done, 300));
    const argon2Before = readArgon2Count(countFile);
    const flooding = variant && ticket ? startFlood(server, ticket, variant) : undefined;
    // "bench" is the change_password client; "flood" the flooding client, a process of its own.
    const pids = { passdesk: server.pid, bench: process.pid };
    const cpuBefore = snapshotCpu(pids);
    const [changePassword, flooded] = await Promise.all([
      measureChangePassword(server.url, seconds, `cp-${phases.length}`),
      flooding ?? Promise.resolve(undefined),
    ]);
    const cores = coresUsed(cpuBefore, snapshotCpu(pids));
    if (flooded) cores.flood = flooded.cores;
    const posts = flooded?.statuses ?? {};
    await new Promise((done) => setTimeout(done, 300));
    const argon2Operations = readArgon2Count(countFile) - argon2Before;
    const [state] = await database.sql<{ rejected: number; revoked: boolean; used: boolean }[]>`
      select rejected_submissions as rejected, revoked_at is not null as revoked,
        used_at is not null as used
      from tickets order by id desc limit 1`;
    phases.push({ label, changePassword, posts, argon2Operations, cores, ticket: state });
    log(`\n${label}`);
    log(`  change_password: ${JSON.stringify(changePassword)}`);
    if (variant) log(`  flood posts by status: ${JSON.stringify(posts)}`);
    log(`  Argon2 operations: ${argon2Operations}; cores used: ${JSON.stringify(cores)}`);
    if (variant) log(`  ticket afterwards: ${JSON.stringify(state)}`);
  };

  // Quiet and flooded phases in turn, so that drift on a shared machine hits both alike.
  for (let round = 1; round <= rounds; round++) {
    for (const variant of VARIANTS) {
      await measurePhase("no flood", undefined);
      await measurePhase(`flood: ${variant.label}`, variant);
    }
  }
  const summary = Object.fromEntries(
    [...new Set(phases.map((phase) => phase.label))].map((label) => {
      const runs = phases.filter((phase) => phase.label === label);
      return [
        label,
        {
          runs: runs.length,
          changePasswordP50MedianMillis: median(runs.map((run) => run.changePassword.p50Millis)),
          changePasswordP99MedianMillis: median(runs.map((run) => run.changePassword.p99Millis)),
          argon2OperationsPerRun: runs.map((run) => run.argon2Operations),
          postsByStatusPerRun: runs.map((run) => run.posts),
          passdeskCoresPerRun: runs.map((run) => run.cores.passdesk),
        },
      ];
    }),
  );
  log(`\nsummary: ${JSON.stringify(summary, null, 2)}`);
  const report = {
    commit,
    root,
    seconds,
    rounds,
    changePasswordRate,
    floodLanes: FLOOD_LANES,
    loadAverageAtEnd: loadavg(),
    summary,
    phases,
  };
  if (args.out) writeFileSync(args.out, `${JSON.stringify(report, null, 2)}\n`);
} finally {
  await passdesk?.stop();
  await database.drop();
}

async function gitCommit(dir: string): Promise<string> {
  const child = spawn("git", ["rev-parse", "--short", "HEAD"], { cwd: dir });
  let out = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    out += chunk;
  });
  const [code] = await once(child, "exit");
  return code === 0 ? out.trim() : "unknown (not a git checkout)";
}
