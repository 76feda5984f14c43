import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db/client.ts";
import { migrateDatabase, packageRoot } from "../../src/db/migrate.ts";
import {
  pgliteTemplatePath,
  readPgliteTemplate,
  writePgliteTemplate,
} from "../../src/db/pglite-template.ts";

describe("the PGlite data-directory template", () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "passdesk-template-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("is keyed by the installed PGlite version", async () => {
    const manifest = join(packageRoot, "node_modules", "@electric-sql", "pglite", "package.json");
    const { version } = JSON.parse(await readFile(manifest, "utf8")) as { version: string };
    expect(pgliteTemplatePath()).toBe(
      join(packageRoot, "node_modules", ".cache", "passdesk", `pglite-${version}-datadir.tar.gz`),
    );
    expect(pgliteTemplatePath(dir)).toBeUndefined();
    expect(readPgliteTemplate(join(dir, "missing.tar.gz"))).toBeUndefined();
  });

  it("starts a new data directory that migrates, keeps its data and reopens", async () => {
    const path = join(dir, "template.tar.gz");
    await writePgliteTemplate(path);
    const template = readPgliteTemplate(path);
    expect(template?.size).toBeGreaterThan(0);

    const dataDir = join(dir, "data");
    const seeded = await PGlite.create(dataDir, { loadDataDir: template });
    await seeded.close();
    expect(existsSync(join(dataDir, "PG_VERSION"))).toBe(true);

    const handle = await openDatabase({ pgliteDataDir: dataDir });
    await migrateDatabase(handle);
    await handle.db.execute("create table kept (value int)");
    await handle.db.execute("insert into kept values (42)");
    await handle.close();

    const reopened = await PGlite.create(dataDir);
    const { rows } = await reopened.query<{ value: number }>("select value from kept");
    expect(rows).toEqual([{ value: 42 }]);
    const migrations = await reopened.query("select * from drizzle.__drizzle_migrations");
    expect(migrations.rows.length).toBeGreaterThan(0);
    await reopened.close();
  });
});
