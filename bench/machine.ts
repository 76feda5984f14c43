import os from "node:os";
import { postmasterStartTime, serverVersion } from "./database.ts";
import type { Machine } from "./report.ts";

function withoutPassword(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = "***";
  return parsed.toString();
}

/** What the figures were measured on, and how to run the same again. */
export async function describeMachine(adminUrl: string): Promise<Machine> {
  const url = new URL(adminUrl);
  return {
    cpuModel: os.cpus()[0]?.model.trim() ?? "unknown",
    cores: os.cpus().length,
    memoryGiB: os.totalmem() / 1024 ** 3,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    postgres: await serverVersion(adminUrl),
    postgresAddress: `${url.hostname}:${url.port || "5432"}`,
    postgresStartedAt: await postmasterStartTime(adminUrl),
    date: new Date().toISOString(),
    command: [
      ...(process.env.DATABASE_URL ? [`DATABASE_URL=${withoutPassword(adminUrl)}`] : []),
      "npm run bench",
      ...(process.argv.length > 2 ? ["--", ...process.argv.slice(2)] : []),
    ].join(" "),
    loadAverageAtStart: os.loadavg(),
    loadAverageAtEnd: [],
  };
}
