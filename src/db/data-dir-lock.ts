import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { DatabaseOpenError, DataDirInUseError } from "./errors.ts";

export interface DataDirLock {
  release(): void;
}

/** Lock files this process holds: a lock naming our own PID but absent here is stale. */
const held = new Set<string>();

/**
 * PGlite is a single-process database: a second process opening the same directory would
 * corrupt it. A lock file beside the directory (not inside: initdb wants it empty) holds the
 * owner's PID; a lock left by a dead process is taken over.
 */
export function acquireDataDirLock(dataDir: string): DataDirLock {
  const path = `${resolve(dataDir)}.lock`;
  mkdirSync(dirname(path), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      held.add(path);
      return {
        release() {
          held.delete(path);
          rmSync(path, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = readOwner(path);
      if (owner === "gone") continue;
      if (Number.isInteger(owner) && isHolding(owner, path)) {
        throw new DataDirInUseError(dataDir, owner);
      }
      rmSync(path, { force: true });
    }
  }
  throw new DatabaseOpenError(`the embedded database at ${dataDir} could not be locked`);
}

/** The PID in the lock file (NaN when unreadable), or "gone" when it was released meanwhile. */
function readOwner(path: string): number | "gone" {
  try {
    return Number.parseInt(readFileSync(path, "utf8"), 10);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "gone";
    throw error;
  }
}

/** Whether the process that wrote a lock file still runs (and so still holds it). */
export function isHolding(pid: number, path: string): boolean {
  // A restarted container often runs Passdesk under the PID its previous run had (1, say):
  // a lock naming this process is only live if this process took it.
  if (pid === process.pid) return held.has(path);
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
