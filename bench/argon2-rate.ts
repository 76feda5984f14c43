/**
 * The floor for Argon2-bound work: raw argon2id operations with Passdesk's parameters,
 * `CONCURRENCY` at a time for `DURATION_MILLIS`, in a process of its own like Passdesk's.
 * `OPERATION=verify` verifies the right password against one stored hash (what a sign-in costs);
 * the default hashes new passwords (what a reset submit costs). Prints one JSON line.
 */
import { randomBytes } from "node:crypto";
import { argon2id, hash, verify } from "argon2";
import { OWASP_ARGON2ID } from "../src/passwords/argon2-hasher.ts";

const concurrency = Number(process.env.CONCURRENCY ?? 8);
const durationMillis = Number(process.env.DURATION_MILLIS ?? 8_000);
const operation = process.env.OPERATION === "verify" ? "verify" : "hash";

const password = randomBytes(12).toString("base64url");
const stored = await hash(password, { ...OWASP_ARGON2ID, type: argon2id });
const work =
  operation === "verify"
    ? async () => {
        if (!(await verify(stored, password))) throw new Error("argon2 verify failed");
      }
    : async () => {
        await hash(randomBytes(12).toString("base64url"), { ...OWASP_ARGON2ID, type: argon2id });
      };

let hashes = 0;
const started = performance.now();
const deadline = started + durationMillis;
async function lane(): Promise<void> {
  while (performance.now() < deadline) {
    await work();
    hashes += 1;
  }
}
await Promise.all(Array.from({ length: concurrency }, lane));
const seconds = (performance.now() - started) / 1000;
process.stdout.write(
  `${JSON.stringify({ operation, hashes, seconds, hashesPerSecond: hashes / seconds, rssBytes: process.memoryUsage().rss })}\n`,
);
