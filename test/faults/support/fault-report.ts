import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../../support/cli.ts";

/**
 * Writes what a fault test measured to `test-results/faults/<name>.json` (and prints it): the
 * counts `docs/reliability.md` quotes come from these files, not from memory.
 */
export function writeFaultReport(name: string, measured: Record<string, unknown>): void {
  const directory = join(repoRoot, "test-results", "faults");
  mkdirSync(directory, { recursive: true });
  const report = { test: name, at: new Date().toISOString(), ...measured };
  writeFileSync(join(directory, `${name}.json`), `${JSON.stringify(report, null, 2)}\n`);
  console.log(`[fault report] ${JSON.stringify(report)}`);
}
