import { execFile, execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { promisify } from "node:util";
import { waitFor } from "../../support/wait-for.ts";

const run = promisify(execFile);
const CONFIG_ROOT = "/etc/postgresql";

interface LocalCluster {
  version: string;
  name: string;
  host: string;
  port: string;
}

/**
 * The local Debian-style cluster behind TEST_DATABASE_URL (found by its port in
 * `pg_lsclusters`), when there is one to restart.
 */
export function localCluster(): LocalCluster | undefined {
  const url = process.env.TEST_DATABASE_URL;
  if (!url || !existsSync(CONFIG_ROOT)) return undefined;
  const { hostname, port: urlPort } = new URL(url);
  if (!["127.0.0.1", "localhost"].includes(hostname)) return undefined;
  const port = urlPort || "5432";
  let listing: string;
  try {
    listing = execFileSync("pg_lsclusters", ["--no-header"], { encoding: "utf8" });
  } catch {
    return undefined;
  }
  for (const line of listing.split("\n")) {
    const [version, name, clusterPort] = line.trim().split(/\s+/);
    if (version && name && clusterPort === port) return { version, name, host: hostname, port };
  }
  return undefined;
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
  await run(
    "pg_ctlcluster",
    ["--skip-systemctl-redirect", cluster.version, cluster.name, "restart"],
    {
      timeout: 60_000,
    },
  );
  const restartMillis = Date.now() - started;
  await waitFor(() => isReady(cluster.host, cluster.port), 30_000, "pg_isready", 100);
  return { restartMillis, readyMillis: Date.now() - started };
}
