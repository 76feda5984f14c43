import { readdirSync, readFileSync } from "node:fs";

/** CPU seconds (user + system) a process has used so far, from /proc (Linux only). */
export function cpuSecondsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "";
  }
}

/** Every PostgreSQL server process on this machine (the bench's backends among them). */
function postgresPids(): number[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => commandOf(pid) === "postgres");
}

export interface CpuSnapshot {
  at: number;
  byName: Record<string, number>;
}

/** CPU used by the named processes and by PostgreSQL; diff two snapshots for a window's share. */
export function snapshotCpu(processes: Record<string, number>): CpuSnapshot {
  const byName: Record<string, number> = {};
  for (const [name, pid] of Object.entries(processes)) byName[name] = cpuSecondsOf(pid);
  byName.postgres = postgresPids().reduce((sum, pid) => sum + cpuSecondsOf(pid), 0);
  return { at: performance.now(), byName };
}

/** Cores used on average by each process between two snapshots (1.0 = one core busy). */
export function coresUsed(before: CpuSnapshot, after: CpuSnapshot): Record<string, number> {
  const seconds = (after.at - before.at) / 1000;
  return Object.fromEntries(
    Object.entries(after.byName).map(([name, cpu]) => [
      name,
      Number(((cpu - (before.byName[name] ?? 0)) / seconds).toFixed(2)),
    ]),
  );
}
