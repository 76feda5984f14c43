import type { BackendName } from "../../support/database.ts";

/**
 * Fault tests run once, on PostgreSQL when TEST_DATABASE_URL names one (as in CI) and on PGlite
 * otherwise: they are about processes and networks failing, not about the two engines agreeing.
 */
export const faultBackend: BackendName = process.env.TEST_DATABASE_URL ? "postgres" : "pglite";
