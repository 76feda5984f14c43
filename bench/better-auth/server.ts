/**
 * The peer of section 10: better-auth 1.7 set up as its docs show for Node.js and PostgreSQL
 * (a `pg` Pool as `database`, email and password on, `toNodeHandler` on node:http), on a database
 * of its own (DATABASE_URL). Its tables come from its programmatic migrations (`getMigrations`),
 * run before the server listens. Its rate limiter and telemetry are off, and it logs errors only
 * (its default, `warn`, writes a line for every unknown address). `sendResetPassword` records the
 * email in memory, and better-auth awaits it before it answers (no `advanced.backgroundTasks`).
 *
 * GET /bench/emails → {count, lastAtEpochMillis}; GET /bench/ready → 200 once migrated.
 */
import { createServer } from "node:http";
import { betterAuth } from "better-auth";
import { getMigrations } from "better-auth/db/migration";
import { toNodeHandler } from "better-auth/node";
import { Pool } from "pg";

const port = Number(process.env.PORT);
const host = process.env.HOST || "127.0.0.1";
const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl || !port) throw new Error("DATABASE_URL and PORT are required");
const baseURL = `http://${host}:${port}`;

/** The emails better-auth handed to its mailer, as the mailer saw them. */
const emails = { count: 0, lastAtEpochMillis: 0 };

const auth = betterAuth({
  baseURL,
  secret: "passdesk-bench-better-auth-secret-0123456789abcdef",
  database: new Pool({ connectionString: databaseUrl, max: 10 }),
  emailAndPassword: {
    enabled: true,
    // Awaited by POST /request-password-reset: better-auth 1.7 passes the promise to
    // runInBackgroundOrAwait, which awaits it unless advanced.backgroundTasks.handler is set.
    async sendResetPassword() {
      emails.count += 1;
      emails.lastAtEpochMillis = Date.now();
    },
  },
  rateLimit: { enabled: false },
  telemetry: { enabled: false },
  logger: { level: "error" },
});

const { runMigrations } = await getMigrations(auth.options);
await runMigrations();

const handle = toNodeHandler(auth);
const server = createServer((request, response) => {
  if (request.url === "/bench/emails") {
    response.writeHead(200, { "content-type": "application/json" });
    response.end(JSON.stringify(emails));
    return;
  }
  if (request.url === "/bench/ready") {
    response.writeHead(200, { "content-type": "text/plain" });
    response.end("ok");
    return;
  }
  void handle(request, response);
});
server.listen(port, host);
process.once("SIGTERM", () => {
  server.close();
  server.closeAllConnections();
  process.exit(0);
});
