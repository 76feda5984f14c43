import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll } from "vitest";
import {
  type BackendName,
  createTestDatabase,
  type DatabaseEnv,
  type TestDatabase,
} from "./database.ts";

export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Written to the process's standard input, which is then closed. */
  input?: string;
  /** Extra variables; `undefined` removes one inherited from the test process. */
  env?: Record<string, string | undefined>;
  /** Working directory; the repository root by default. */
  cwd?: string;
}

/**
 * Runs the real `passdesk` binary from the repository root, as an operator would, against the
 * test database (see `runProcess` for the rest of its environment).
 */
export function runCli(
  database: DatabaseEnv | undefined,
  args: string[],
  options: RunOptions = {},
): Promise<CliResult> {
  return runProcess(process.execPath, ["bin/passdesk.js", ...args], {
    ...options,
    env: { ...database, ...options.env },
  });
}

export interface CliDatabase {
  /** The database, once the suite's beforeAll has created it. */
  database(): TestDatabase;
  /** Runs `passdesk ...args` against it. */
  passdesk(...args: string[]): Promise<CliResult>;
}

/**
 * A database of its own for one suite of CLI tests: created before them, dropped after. Call it
 * in the describe block, before the suite's own hooks.
 */
export function setUpCliDatabase(backend: BackendName): CliDatabase {
  let created: TestDatabase | undefined;
  beforeAll(async () => {
    created = await createTestDatabase(backend);
  });
  afterAll(async () => {
    await created?.drop();
  });
  const database = () => {
    if (!created) throw new Error("the test database is created in beforeAll");
    return created;
  };
  return { database, passdesk: (...args) => runCli(database().env, args) };
}

/**
 * Runs `command` in the repository root with the test process's environment plus `options.env`.
 * Database and connection settings are blanked first (an empty variable counts as unset and
 * beats `.env`), so neither the caller's shell nor a developer's `.env` can redirect a test.
 */
export function runProcess(
  command: string,
  args: string[],
  options: RunOptions = {},
): Promise<CliResult> {
  const env: Record<string, string | undefined> = {
    ...process.env,
    DATABASE_URL: "",
    PGLITE_DATA_DIR: "",
    DEFAULT_CONNECTION: "",
    LOG_LEVEL: "silent",
    ...options.env,
  };
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete env[name];
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd ?? repoRoot, env, stdio: "pipe" });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? "");
  });
}

/** The non-empty lines of an output stream. */
export function linesOf(output: string): string[] {
  return output.split("\n").filter((line) => line.trim() !== "");
}

/** `key: value` lines (as `users show` prints them) as an object. */
export function fieldsOf(stdout: string): Record<string, string> {
  return Object.fromEntries(
    linesOf(stdout).map((line) => {
      const colon = line.indexOf(": ");
      return [line.slice(0, colon), line.slice(colon + 2)];
    }),
  );
}
