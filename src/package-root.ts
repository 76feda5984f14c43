import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Passdesk's package root: where package.json, drizzle/ and node_modules/ live. Found by walking
 * up to the committed migrations (two levels up from src/, one from the dist/ bundle). Relative
 * paths in the configuration (the `.env` file, PGLITE_DATA_DIR) are resolved against it, not the
 * working directory, so a command run from a sub-folder uses the same database as the server.
 */
export const packageRoot = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "drizzle", "meta", "_journal.json"))) return dir;
    if (dirname(dir) === dir) throw new Error(`no drizzle/meta/_journal.json above ${from}`);
  }
}
