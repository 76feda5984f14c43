import { execFile } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { promisify } from "node:util";
import { waitUntil } from "./wait.ts";

const run = promisify(execFile);
const CONFIG_ROOT = "/etc/postgresql";

/** The local Debian-style cluster behind TEST_DATABASE_URL, when there is one to restart. */
export function localCluster(): { version: string; host: string; port: string } | undefined {
  const url = process.env.TEST_DATABASE_URL;
  if (!url || !existsSync(CONFIG_ROOT)) return undefined;
  const { hostname, port } = new URL(url);
  if (!["127.0.0.1", "localhost"].includes(hostname)) return undefined;
  const [version] = readdirSync(CONFIG_ROOT);
  return version ? { version, host: hostname, port: port || "5432" } : undefined;
}

async function isReady(host: string, port: string): Promise<boolean> {
  try {
    await run("pg_isready", ["-h", host, "-p", port, "-q"], { timeout: 5_000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * Restarts the whole local cluster (fast shutdown: sessions are cut) and waits until it accepts
 * connections again. Every database on it goes away meanwhile, not only the test's.
 */
export async function restartCluster(): Promise<{ restartMillis: number; readyMillis: number }> {
  const cluster = localCluster();
  if (!cluster) throw new Error("no local PostgreSQL cluster to restart");
  const started = Date.now();
  await run("pg_ctlcluster", ["--skip-systemctl-redirect", cluster.version, "main", "restart"], {
    timeout: 60_000,
  });
  const restartMillis = Date.now() - started;
  await waitUntil(() => isReady(cluster.host, cluster.port), 30_000, "pg_isready", 100);
  return { restartMillis, readyMillis: Date.now() - started };
}
