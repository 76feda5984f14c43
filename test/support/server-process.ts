import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { onTestFinished } from "vitest";
import { repoRoot } from "./cli.ts";
import type { DatabaseEnv } from "./database.ts";

export interface ServerProcess {
  child: ChildProcess;
  port: number;
  baseUrl: string;
  /** Everything the process wrote so far. */
  output(): { stdout: string; stderr: string };
  /** Sends `signal` and resolves with the exit code (null when killed by the signal). */
  stop(signal: NodeJS.Signals): Promise<number | null>;
}

/** The TypeScript sources under tsx (the default: no build needed). */
export const SOURCE_ENTRY = ["--import", "tsx", "src/main.ts"];
/** What `npm start` runs once its prestart step (`npm run build`) has bundled the sources. */
export const BUILT_ENTRY = ["dist/main.js"];

/**
 * Starts Passdesk (`src/main.ts` under tsx, or `entry`) on a port the system picks (PORT=0), and
 * resolves once the start-up banner names that port. Call it inside a test: the process is
 * killed when the test finishes, if it is still running.
 */
export async function startServerProcess(
  database: DatabaseEnv,
  env: Record<string, string> = {},
  entry: string[] = SOURCE_ENTRY,
): Promise<ServerProcess> {
  const child = spawn(process.execPath, entry, {
    cwd: repoRoot,
    env: {
      ...process.env,
      DATABASE_URL: "",
      PGLITE_DATA_DIR: "",
      DEFAULT_CONNECTION: "",
      ...database,
      PORT: "0",
      HOST: "127.0.0.1",
      LOG_LEVEL: "info",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const exited = once(child, "exit").then(([code]) => code as number | null);
  // A failed assertion must not leave a server running (and holding a data directory).
  onTestFinished(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exited;
  });

  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new Error(`passdesk printed no banner within 60 s\nstdout: ${stdout}\nstderr: ${stderr}`),
      );
    }, 60_000);
    child.stdout.on("data", () => {
      const match = /Passdesk listening on [^:\s]+:(\d+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`passdesk exited with ${code} before listening\nstderr: ${stderr}`));
    });
  });

  return {
    child,
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    output: () => ({ stdout, stderr }),
    async stop(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
