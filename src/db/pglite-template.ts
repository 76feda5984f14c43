import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { packageRoot } from "./migrate.ts";

/**
 * A freshly initialised, empty PGlite data directory as a tarball. PGlite's first start runs
 * `initdb` in WebAssembly (about 5 s on two shared cores); loading this tarball instead takes
 * under 2 s. `npm ci` writes it (postinstall: scripts/pglite-template.ts), keyed by the PGlite
 * version, so a new version never loads an old cluster. Migrations still run on every start.
 */
export function pgliteTemplatePath(root: string = packageRoot): string | undefined {
  try {
    const manifest = join(root, "node_modules", "@electric-sql", "pglite", "package.json");
    const { version } = JSON.parse(readFileSync(manifest, "utf8")) as { version: string };
    return join(root, "node_modules", ".cache", "passdesk", `pglite-${version}-datadir.tar.gz`);
  } catch {
    return undefined;
  }
}

/** The template, when one was made for the installed PGlite; otherwise PGlite runs initdb. */
export function readPgliteTemplate(path = pgliteTemplatePath()): Blob | undefined {
  if (!path || !existsSync(path)) return undefined;
  return new Blob([readFileSync(path)]);
}

/** Runs initdb once (in memory) and writes the result to `path`, atomically. */
export async function writePgliteTemplate(path: string): Promise<void> {
  const seed = await PGlite.create();
  try {
    const dump = await seed.dumpDataDir("gzip");
    mkdirSync(dirname(path), { recursive: true });
    const partial = `${path}.${process.pid}.partial`;
    writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
    renameSync(partial, path);
  } finally {
    await seed.close();
  }
}
