/**
 * The floor for reset-page submits: raw argon2id hashes with Passdesk's parameters, `CONCURRENCY`
 * at a time for `DURATION_MILLIS`, in a process of its own like Passdesk's. Prints one JSON line.
 */
import { randomBytes } from "node:crypto";
import { argon2id, hash } from "argon2";
import { OWASP_ARGON2ID } from "../src/passwords/argon2-hasher.ts";

const concurrency = Number(process.env.CONCURRENCY ?? 8);
const durationMillis = Number(process.env.DURATION_MILLIS ?? 8_000);

let hashes = 0;
const started = performance.now();
const deadline = started + durationMillis;
async function lane(): Promise<void> {
  while (performance.now() < deadline) {
    await hash(randomBytes(12).toString("base64url"), { ...OWASP_ARGON2ID, type: argon2id });
    hashes += 1;
  }
}
await Promise.all(Array.from({ length: concurrency }, lane));
const seconds = (performance.now() - started) / 1000;
process.stdout.write(
  `${JSON.stringify({ hashes, seconds, hashesPerSecond: hashes / seconds, rssBytes: process.memoryUsage().rss })}\n`,
);
