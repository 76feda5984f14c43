import pino from "pino";
import { describe, expect, it } from "vitest";
import { BLOCK_LIFETIME_MILLIS } from "../../src/sign-in/ports.ts";
import { startSignInPruner } from "../../src/sign-in/prune.ts";
import { createMemorySignIn } from "../support/memory-sign-in.ts";

describe("the sign-in counts' pruner", () => {
  it("deletes counts last failed longer ago than a block lasts, and keeps the rest", async () => {
    const signIn = createMemorySignIn({ bruteForce: { maxAttempts: 2 } });
    // More than one batch of 500, from many IPs (one IP would soon be throttled, not counted).
    for (let i = 0; i < 600; i++)
      await signIn.signIn(`old${i}@example.com`, "wrong", `10.0.${i >> 8}.${i & 255}`);
    await signIn.signIn("old-blocked@example.com", "wrong");
    await signIn.signIn("old-blocked@example.com", "wrong");
    signIn.clock.advance(BLOCK_LIFETIME_MILLIS + 1000);
    await signIn.signIn("recent@example.com", "wrong");

    const pruner = startSignInPruner({
      repo: signIn.repo,
      clock: signIn.clock,
      logger: pino({ level: "silent" }),
    });
    await pruner.run();
    await pruner.stop();
    expect(signIn.repo.database.tables.signInFailures.map((row) => row.email)).toEqual([
      "recent@example.com",
    ]);
  });
});
