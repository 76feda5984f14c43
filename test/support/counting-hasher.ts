import type { PasswordHasher } from "../../src/passwords/hasher.ts";
import { testHasher } from "./reset-fixture.ts";

export interface CountingHasher extends PasswordHasher {
  /** Argon2 operations that reached the real hasher so far. */
  readonly counts: { hash: number; verify: number };
  /** Hashes plus verifications. */
  total(): number;
  /** From now on, each operation waits (holding its place in any bound) until `open()`. */
  close(): void;
  open(): void;
  /** Resolves once some operation is waiting at the closed gate. */
  held(): Promise<void>;
}

/**
 * The real argon2 hasher (cheap test parameters), counting each operation that reaches it. A
 * closed gate holds operations before they start, so a test can fill a bound deterministically.
 */
export function createCountingHasher(inner: PasswordHasher = testHasher): CountingHasher {
  const counts = { hash: 0, verify: 0 };
  let gate: { opened: Promise<void>; open(): void } | undefined;
  let onHeld: (() => void)[] = [];
  let waiting = 0;

  async function pass<T>(kind: "hash" | "verify", operation: () => Promise<T>): Promise<T> {
    if (gate) {
      const waitFor = gate.opened;
      waiting += 1;
      for (const notify of onHeld) notify();
      onHeld = [];
      await waitFor;
      waiting -= 1;
    }
    counts[kind] += 1;
    return operation();
  }

  return {
    counts,
    total: () => counts.hash + counts.verify,
    hash: (password) => pass("hash", () => inner.hash(password)),
    verify: (hash, password) => pass("verify", () => inner.verify(hash, password)),
    needsRehash: (hash) => inner.needsRehash(hash),
    close() {
      let open = () => {};
      const opened = new Promise<void>((resolve) => {
        open = resolve;
      });
      gate = { opened, open };
    },
    open() {
      gate?.open();
      gate = undefined;
    },
    held() {
      if (waiting > 0) return Promise.resolve();
      return new Promise((resolve) => onHeld.push(resolve));
    },
  };
}
