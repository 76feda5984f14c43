import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";

const run = promisify(execFile);
const SCRIPT = join(import.meta.dirname, "..", "..", "scripts", "check-architecture.mjs");

/** Runs the checker on `files` (path under src → text); resolves with its exit code and output. */
async function check(folder: string, files: Record<string, string>) {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(folder, path)), { recursive: true });
    await writeFile(join(folder, path), text);
  }
  try {
    const { stdout } = await run(process.execPath, [SCRIPT, folder]);
    return { code: 0, output: stdout };
  } catch (error) {
    const failed = error as { code: number; stderr: string };
    return { code: failed.code, output: failed.stderr };
  }
}

describe("the import rule (scripts/check-architecture.mjs)", () => {
  let folder = "";
  afterEach(() => rm(folder, { recursive: true, force: true }));
  const fresh = async () => {
    folder = await mkdtemp(join(tmpdir(), "passdesk-architecture-"));
    return folder;
  };

  it("holds for Passdesk's own src/", async () => {
    const result = await check(join(import.meta.dirname, "..", "..", "src"), {});
    expect(result).toMatchObject({ code: 0 });
  });

  it("refuses a domain file that imports src/db/, and names it", async () => {
    const result = await check(await fresh(), {
      "db/stores.ts": "export const stores = 1;\n",
      "users/add-user.ts": 'import { stores } from "../db/stores.ts";\nexport const x = stores;\n',
      "main.ts": 'import { stores } from "./db/stores.ts";\nexport const y = stores;\n',
    });
    expect(result.code).toBe(1);
    expect(result.output).toContain("users/add-user.ts imports db/stores.ts");
    expect(result.output).not.toContain("main.ts imports");
  });

  it("refuses an import cycle between two feature folders", async () => {
    const result = await check(await fresh(), {
      "audit/poster.ts": 'import { view } from "../slack/view.ts";\nexport const a = view;\n',
      "slack/view.ts": 'import type { A } from "../audit/ports.ts";\nexport const view = 1;\n',
      "audit/ports.ts": "export type A = number;\n",
    });
    expect(result.code).toBe(1);
    expect(result.output).toContain("import cycle between audit, slack");
  });

  it("refuses a framework import in a domain folder, not in an edge", async () => {
    const result = await check(await fresh(), {
      "password-reset/route.ts": 'import { Hono } from "hono";\nexport const r = Hono;\n',
      "http/app.ts": 'import { Hono } from "hono";\nexport const h = Hono;\n',
    });
    expect(result.code).toBe(1);
    expect(result.output).toContain("password-reset/route.ts imports hono");
    expect(result.output).not.toContain("http/app.ts");
  });
});
