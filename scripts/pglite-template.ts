// postinstall: writes the PGlite template (see src/db/pglite-template.ts) so the first
// `npm start` on the embedded database skips initdb. Never fails the install: without the
// template PGlite simply runs initdb on first start.
import { existsSync } from "node:fs";
import { pgliteTemplatePath, writePgliteTemplate } from "../src/db/pglite-template.ts";

const path = pgliteTemplatePath();
if (path && !existsSync(path)) {
  const started = performance.now();
  try {
    await writePgliteTemplate(path);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(`passdesk: PGlite template written in ${seconds} s`);
  } catch (error) {
    console.warn(
      `passdesk: no PGlite template (${(error as Error).message}); initdb runs on first start`,
    );
  }
}
