import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("..", import.meta.url));

/** What `npm start` runs: the bundle scripts/build.mjs writes. */
export const PASSDESK_BUILD = "dist/main.js";

/**
 * The Node.js options package.json's start script gives dist/main.js, so that the bench runs
 * Passdesk exactly as `npm start` does.
 */
export function startScriptNodeArgs(): string[] {
  const { scripts } = JSON.parse(readFileSync(`${repoRoot}/package.json`, "utf8")) as {
    scripts: { start: string };
  };
  const match = /^node ((?:--\S+ )*)dist\/main\.js$/.exec(scripts.start);
  if (!match) throw new Error(`unexpected start script: ${scripts.start}`);
  return (match[1] ?? "").split(" ").filter(Boolean);
}

/** Builds dist/main.js as `npm start` does before it starts (prestart). */
export async function buildPassdesk(): Promise<void> {
  const child = spawn(process.execPath, ["scripts/build.mjs"], { cwd: repoRoot, stdio: "inherit" });
  const [code] = await once(child, "exit");
  if (code !== 0) throw new Error(`scripts/build.mjs exited with ${code}`);
}

/** A server in a child process of its own, so it gets a core apart from the load generator. */
export interface ChildServer {
  name: string;
  pid: number;
  url: string;
  /** From spawn to the first 200 on the ready path. */
  readyMillis: number;
  /** Resident set size now, and the peak so far (Linux /proc), in bytes. */
  memory(): { rssBytes: number; peakRssBytes: number } | undefined;
  output(): string;
  /** SIGTERM, then SIGKILL after 10 s; resolves with the exit code. */
  stop(): Promise<number | null>;
}

export interface ChildServerOptions {
  name: string;
  script: string;
  env: Record<string, string>;
  port: number;
  readyPath: string;
  nodeArgs?: string[];
  /** Run the script with tsx (the default), or as plain JavaScript. */
  typescript?: boolean;
  readyTimeoutMillis?: number;
}

/** Variables that would otherwise leak into a child from the shell or a local `.env`. */
const BLANKED = [
  "DATABASE_URL",
  "PGLITE_DATA_DIR",
  "PUBLIC_URL",
  "TRUST_PROXY",
  "SENDGRID_API_KEY",
  "SENDGRID_API_URL",
  "SENDGRID_WEBHOOK_PUBLIC_KEY",
  "SLACK_SIGNING_SECRET",
  "SLACK_BOT_TOKEN",
  "SLACK_APP_TOKEN",
  "SLACK_API_URL",
  "SLACK_AUDIT_CHANNEL",
  "SLACK_ADMIN_USERS",
  "SLACK_SUPPORT_USERGROUP",
  "SLACK_ADMIN_USERGROUP",
  "SLACK_AUDIT_PUBLIC_REQUESTS",
  "RATE_LIMIT_PER_EMAIL_BURST",
  "RATE_LIMIT_PER_EMAIL_PER_MINUTE",
  "RATE_LIMIT_PER_IP_BURST",
  "RATE_LIMIT_PER_IP_PER_MINUTE",
  "RATE_LIMIT_PER_RECIPIENT_BURST",
  "RATE_LIMIT_PER_RECIPIENT_WINDOW_MINUTES",
  "RESET_PAGE_RATE_LIMIT_PER_IP_BURST",
  "RESET_PAGE_RATE_LIMIT_PER_IP_PER_MINUTE",
  "RESET_PAGE_RATE_LIMIT_PER_TICKET_BURST",
  "RESET_PAGE_RATE_LIMIT_PER_TICKET_PER_MINUTE",
  "ARGON2_MAX_IN_FLIGHT",
  "ARGON2_MAX_QUEUED",
  "ARGON2_MAX_WAIT_MILLIS",
  "PASSDESK_KEY_ENCRYPTION_KEY",
  "SIGN_IN_RATE_LIMIT_PER_IP_BURST",
  "SIGN_IN_RATE_LIMIT_PER_IP_PER_MINUTE",
  "SIGN_IN_IP_FAILURES_BURST",
  "SIGN_IN_IP_FAILURES_PER_MINUTE",
];

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

export function readProcessMemory(
  pid: number,
): { rssBytes: number; peakRssBytes: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kib = (field: string) =>
      Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1]);
    const rss = kib("VmRSS");
    const peak = kib("VmHWM");
    return Number.isFinite(rss) ? { rssBytes: rss * 1024, peakRssBytes: peak * 1024 } : undefined;
  } catch {
    return undefined;
  }
}

const running = new Set<ChildProcess>();
// A bench that dies must not leave servers behind (they would hold ports and connections).
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

const sleep = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis));

async function isReady(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

/** Spawns `node --import tsx <script>` and resolves once `readyPath` answers 200. */
export async function startChildServer(options: ChildServerOptions): Promise<ChildServer> {
  const started = performance.now();
  const child: ChildProcess = spawn(
    process.execPath,
    [
      ...(options.script === PASSDESK_BUILD ? startScriptNodeArgs() : []),
      ...(options.nodeArgs ?? []),
      ...(options.typescript === false ? [] : ["--import", "tsx"]),
      options.script,
    ],
    {
      cwd: repoRoot,
      env: {
        ...process.env,
        ...Object.fromEntries(BLANKED.map((name) => [name, ""])),
        ...options.env,
        PORT: String(options.port),
        HOST: "127.0.0.1",
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  running.add(child);
  let output = "";
  const keep = (chunk: string) => {
    output = (output + chunk).slice(-20_000);
  };
  child.stdout?.setEncoding("utf8").on("data", keep);
  child.stderr?.setEncoding("utf8").on("data", keep);
  const exited = once(child, "exit").then(([code]) => code as number | null);
  let exitCode: number | null | undefined;
  void exited.then((code) => {
    exitCode = code;
    running.delete(child);
  });

  const url = `http://127.0.0.1:${options.port}`;
  const deadline = started + (options.readyTimeoutMillis ?? 30_000);
  for (;;) {
    if (exitCode !== undefined) {
      throw new Error(`${options.name} exited with ${exitCode} before ready:\n${output}`);
    }
    if (await isReady(`${url}${options.readyPath}`)) break;
    if (performance.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`${options.name} not ready within the timeout:\n${output}`);
    }
    await sleep(10);
  }
  const readyMillis = performance.now() - started;
  const pid = child.pid ?? -1;

  return {
    name: options.name,
    pid,
    url,
    readyMillis,
    memory: () => readProcessMemory(pid),
    output: () => output,
    async stop() {
      if (exitCode !== undefined) return exitCode;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Samples a process's RSS while `work` runs; returns the work's result and the highest sample. */
export async function sampleMemoryDuring<T>(
  server: ChildServer,
  work: () => Promise<T>,
): Promise<{ result: T; maxRssBytes: number }> {
  let maxRssBytes = server.memory()?.rssBytes ?? 0;
  const timer = setInterval(() => {
    maxRssBytes = Math.max(maxRssBytes, server.memory()?.rssBytes ?? 0);
  }, 200);
  try {
    const result = await work();
    return { result, maxRssBytes: Math.max(maxRssBytes, server.memory()?.rssBytes ?? 0) };
  } finally {
    clearInterval(timer);
  }
}
