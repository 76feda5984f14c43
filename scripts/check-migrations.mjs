#!/usr/bin/env node
// Fails when the Drizzle schema and the committed migrations in drizzle/ disagree: drizzle-kit
// generates into a throwaway copy of drizzle/, and any file it adds is a migration nobody committed.
// Usage: node scripts/check-migrations.mjs [schema-path]   (default: src/db/schema.ts)
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const schema = resolve(process.argv[2] ?? join(root, "src/db/schema.ts"));
// drizzle-kit's package exports hide bin.cjs; it sits next to the main entry.
const drizzleKit = join(dirname(createRequire(import.meta.url).resolve("drizzle-kit")), "bin.cjs");

const problem = withCopyOfMigrations(findDisagreement);
if (problem) {
  console.error(`check-migrations: ${problem}`);
  process.exitCode = 1;
} else {
  console.log("migrations match the schema");
}

/** Returns a description of the disagreement, or undefined when there is none. */
function findDisagreement(work) {
  const out = join(work, "drizzle");
  const before = new Set(listFiles(out));
  // drizzle-kit only handles an --out relative to its working directory, hence cwd = the copy.
  // stdin is closed so that a question ("was this column renamed?") fails instead of waiting.
  const run = spawnSync(
    process.execPath,
    [drizzleKit, "generate", "--dialect", "postgresql", "--schema", schema, "--out", "drizzle"],
    { cwd: work, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 120_000 },
  );
  const added = listFiles(out).filter((file) => !before.has(file));
  if (added.length > 0) {
    return [
      "the schema and the committed migrations disagree; drizzle-kit would generate",
      ...added.map((file) => `  drizzle/${file}`),
      ...added
        .filter((file) => file.endsWith(".sql"))
        .map((file) => readFileSync(join(out, file), "utf8").trim()),
      "Run `npm run db:generate` and commit the new files.",
    ].join("\n");
  }
  const output = `${run.stdout ?? ""}${run.stderr ?? ""}${run.error?.message ?? ""}`.trim();
  // drizzle-kit exits 0 even when it crashes or wants an answer, so silence is not agreement.
  if (run.status !== 0 || !output.includes("No schema changes")) {
    return `drizzle-kit did not confirm that the migrations match ${schema}:\n${output}`;
  }
  return undefined;
}

function withCopyOfMigrations(work) {
  const dir = mkdtempSync(join(tmpdir(), "passdesk-migrations-"));
  try {
    cpSync(join(root, "drizzle"), join(dir, "drizzle"), { recursive: true });
    return work(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function listFiles(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
    .sort();
}
