import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type DatabaseHandle, openDatabase } from "../../src/db/client.ts";
import { acquireDataDirLock, type DataDirLock } from "../../src/db/data-dir-lock.ts";
import { DatabaseOpenError } from "../../src/db/errors.ts";
import { migrateDatabase } from "../../src/db/migrate.ts";
import { connections } from "../../src/db/schema.ts";
import { linesOf, runCli, runProcess } from "../support/cli.ts";
import { startServerProcess } from "../support/server-process.ts";

// The lock guards PGlite only: PostgreSQL serves many processes by design.

/** The PID of a process that has already exited. */
function deadPid(): number {
  const { pid } = spawnSync(process.execPath, ["-e", ""]);
  if (!pid) throw new Error("could not spawn node");
  return pid;
}

function inUseMessage(dataDir: string, pid: number): string {
  return `the embedded database at ${dataDir} is in use by process ${pid}; stop it or set DATABASE_URL`;
}

let root: string;
let migratedTemplate: string;
let counter = 0;
const locks: DataDirLock[] = [];
const handles: DatabaseHandle[] = [];

/** A data directory path (not created) and its lock file's path. */
function newDataDir() {
  const dataDir = join(root, `data-${++counter}`);
  return { dataDir, lockFile: `${dataDir}.lock` };
}

/** A copy of a migrated data directory: cheaper than PGlite's initdb for every test. */
async function migratedDataDir() {
  const paths = newDataDir();
  await cp(migratedTemplate, paths.dataDir, { recursive: true });
  return paths;
}

function lock(dataDir: string): DataDirLock {
  const taken = acquireDataDirLock(dataDir);
  locks.push(taken);
  return taken;
}

async function openPglite(dataDir: string): Promise<DatabaseHandle> {
  const handle = await openDatabase({ pgliteDataDir: dataDir });
  handles.push(handle);
  return handle;
}

async function close(handle: DatabaseHandle): Promise<void> {
  handles.splice(handles.indexOf(handle), 1);
  await handle.close();
}

async function connectionNames(handle: DatabaseHandle): Promise<string[]> {
  const rows = await handle.db.select({ name: connections.name }).from(connections);
  return rows.map((row) => row.name).sort();
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "passdesk-lock-"));
  migratedTemplate = join(root, "template");
  const handle = await openDatabase({ pgliteDataDir: migratedTemplate });
  await migrateDatabase(handle);
  await handle.close();
});

afterEach(async () => {
  for (const taken of locks.splice(0)) taken.release();
  for (const handle of handles.splice(0)) await handle.close();
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("acquireDataDirLock", () => {
  it("writes this process's PID to a file beside the directory and removes it on release", async () => {
    const { dataDir, lockFile } = newDataDir();
    const taken = lock(dataDir);
    expect(await readFile(lockFile, "utf8")).toBe(String(process.pid));
    expect(existsSync(dataDir)).toBe(false);
    taken.release();
    expect(existsSync(lockFile)).toBe(false);
  });

  it("refuses a directory this process already holds", () => {
    const { dataDir } = newDataDir();
    lock(dataDir);
    expect(() => lock(dataDir)).toThrow(DatabaseOpenError);
    expect(() => lock(dataDir)).toThrow(inUseMessage(dataDir, process.pid));
  });

  it("refuses a directory held by another live process, leaving its lock alone", async () => {
    const { dataDir, lockFile } = newDataDir();
    const owner = process.ppid;
    await writeFile(lockFile, String(owner));
    expect(() => lock(dataDir)).toThrow(inUseMessage(dataDir, owner));
    expect(await readFile(lockFile, "utf8")).toBe(String(owner));
  });

  it("takes over a lock left by a process that no longer runs", async () => {
    const { dataDir, lockFile } = newDataDir();
    await writeFile(lockFile, String(deadPid()));
    lock(dataDir);
    expect(await readFile(lockFile, "utf8")).toBe(String(process.pid));
  });

  it("takes over a lock naming this PID that this process never took (a restarted container)", async () => {
    const { dataDir, lockFile } = newDataDir();
    await writeFile(lockFile, String(process.pid));
    lock(dataDir);
    expect(await readFile(lockFile, "utf8")).toBe(String(process.pid));
  });

  it.each([[""], ["not a pid"]])("takes over a lock file holding %j", async (content) => {
    const { dataDir, lockFile } = newDataDir();
    await writeFile(lockFile, content);
    lock(dataDir);
    expect(await readFile(lockFile, "utf8")).toBe(String(process.pid));
  });

  it("can be taken again after release", () => {
    const { dataDir } = newDataDir();
    lock(dataDir).release();
    expect(() => lock(dataDir)).not.toThrow();
  });
});

describe("a PGlite data directory in use", () => {
  it("refuses a second process (CLI or server) with one line naming the holder; the data survives", async () => {
    const { dataDir, lockFile } = await migratedDataDir();
    const handle = await openPglite(dataDir);
    await handle.db.insert(connections).values({ name: "written-before", strategy: "samlp" });

    await expect(openDatabase({ pgliteDataDir: dataDir })).rejects.toThrow(
      inUseMessage(dataDir, process.pid),
    );
    // A command waits a moment for a socket (a server starting), then gives up: this holder
    // serves none.
    const result = await runCli({ PGLITE_DATA_DIR: dataDir }, ["migrate"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(linesOf(result.stderr)).toEqual([
      `passdesk: ${inUseMessage(dataDir, process.pid)} (it serves no CLI socket at ${dataDir}.sock: another passdesk command, or a server older than this command)`,
    ]);
    const server = await runProcess(process.execPath, ["--import", "tsx", "src/main.ts"], {
      env: { PGLITE_DATA_DIR: dataDir, PORT: "0", HOST: "127.0.0.1" },
    });
    expect(server.code).toBe(1);
    expect(linesOf(server.stderr)).toEqual([`passdesk: ${inUseMessage(dataDir, process.pid)}`]);
    expect(await readFile(lockFile, "utf8")).toBe(String(process.pid));

    await handle.db.insert(connections).values({ name: "written-after", strategy: "samlp" });
    await close(handle);
    expect(existsSync(lockFile)).toBe(false);
    const reopened = await openPglite(dataDir);
    expect(await connectionNames(reopened)).toEqual([
      "Username-Password-Authentication",
      "written-after",
      "written-before",
    ]);
  });

  it("is taken over from a dead PID by the next process, which then releases it", async () => {
    const { dataDir, lockFile } = await migratedDataDir();
    await writeFile(lockFile, String(deadPid()));
    const result = await runCli({ PGLITE_DATA_DIR: dataDir }, ["migrate"]);
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(existsSync(lockFile)).toBe(false);
    const reopened = await openPglite(dataDir);
    expect(await connectionNames(reopened)).toEqual(["Username-Password-Authentication"]);
  });

  it("opens again after its server was killed with SIGKILL, data intact", async () => {
    const { dataDir, lockFile } = await migratedDataDir();
    const seeded = await openPglite(dataDir);
    await seeded.db.insert(connections).values({ name: "before-crash", strategy: "waad" });
    await close(seeded);

    const server = await startServerProcess({ PGLITE_DATA_DIR: dataDir });
    expect((await fetch(`${server.baseUrl}/readyz`)).status).toBe(200);
    expect(await readFile(lockFile, "utf8")).toBe(String(server.child.pid));
    expect(await server.stop("SIGKILL")).toBeNull();
    expect(existsSync(lockFile)).toBe(true);

    const reopened = await openPglite(dataDir);
    expect(await readFile(lockFile, "utf8")).toBe(String(process.pid));
    expect(await connectionNames(reopened)).toEqual([
      "Username-Password-Authentication",
      "before-crash",
    ]);
  });
});
