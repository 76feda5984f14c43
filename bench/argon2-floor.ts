import { execFile } from "node:child_process";
import { availableParallelism } from "node:os";
import { promisify } from "node:util";
import { defaultMaxInFlight } from "../src/passwords/bounded-hasher.ts";
import { repoRoot } from "./processes.ts";

/**
 * What Passdesk lets run at once by default (ARGON2_MAX_IN_FLIGHT: a core stays free for the
 * event loop): the raw rate at this concurrency is the most Argon2 work a request can get.
 */
export const PASSDESK_ARGON2_IN_FLIGHT = defaultMaxInFlight({
  cores: availableParallelism(),
  threadPoolSize: Number(process.env.UV_THREADPOOL_SIZE) || 4,
});

export interface RawArgon2Rate {
  operation: "hash" | "verify";
  hashes: number;
  seconds: number;
  hashesPerSecond: number;
  rssBytes: number;
}

/** Raw argon2id (bench/argon2-rate.ts) in a process of its own, `concurrency` at a time. */
export async function rawArgon2Rate(
  durationSeconds: number,
  concurrency: number,
  operation: "hash" | "verify" = "hash",
): Promise<RawArgon2Rate> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--import", "tsx", "bench/argon2-rate.ts"],
    {
      cwd: repoRoot,
      env: {
        ...process.env,
        OPERATION: operation,
        CONCURRENCY: String(concurrency),
        DURATION_MILLIS: String(durationSeconds * 1000),
      },
    },
  );
  return JSON.parse(stdout) as RawArgon2Rate;
}
