import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packageRoot } from "../../src/package-root.ts";
import { linesOf, repoRoot, runProcess } from "../support/cli.ts";

// bin/passdesk.js as npx runs it: from wherever the operator stands.
const PASSDESK = join(repoRoot, "bin", "passdesk.js");

describe("a relative PGLITE_DATA_DIR", () => {
  let dir: string;
  let relativeDataDir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "passdesk-paths-"));
    relativeDataDir = relative(packageRoot, join(dir, "data"));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("means the same database from a sub-folder of the project and from elsewhere", async () => {
    const env = { PGLITE_DATA_DIR: relativeDataDir };
    const added = await runProcess(
      process.execPath,
      [PASSDESK, "connections", "add", "FromSubfolder", "--strategy", "samlp"],
      { env, cwd: join(repoRoot, "test", "cli") },
    );
    expect(added).toMatchObject({ code: 0, stderr: "" });
    const listed = await runProcess(process.execPath, [PASSDESK, "connections", "list"], {
      env,
      cwd: dir,
    });
    expect(linesOf(listed.stdout)).toContain("FromSubfolder\tstrategy=samlp");

    expect(existsSync(join(dir, "data", "PG_VERSION"))).toBe(true);
    expect(existsSync(join(repoRoot, "test", "cli", relativeDataDir))).toBe(false);
  });
});
