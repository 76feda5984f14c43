/**
 * The floor for change_password: the same HTTP server library and the same single INSERT that
 * records a reset request, and nothing else (no rate limit, no lookups, no worker, no logging).
 * Run as a child process: `PORT=… DATABASE_URL=… node --import tsx bench/floor.ts`.
 */
import { randomBytes } from "node:crypto";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import postgres from "postgres";

const sql = postgres(process.env.DATABASE_URL ?? "", {
  max: 10,
  prepare: true,
  onnotice: () => {},
});
const app = new Hono();

app.get("/readyz", async (c) => {
  await sql`select 1`;
  return c.json({ status: "ready" });
});

app.post("/dbconnections/change_password", async (c) => {
  const body = (await c.req.json()) as { email: string; connection: string };
  const clientIp = c.req.header("x-forwarded-for") ?? "127.0.0.1";
  await sql`
    insert into reset_requests (public_id, email, connection, source, client_ip)
    values (${`req_${randomBytes(16).toString("base64url")}`}, ${body.email.toLowerCase()},
            ${body.connection}, 'api', ${clientIp})
    returning *`;
  return c.body("We've just sent you an email to reset your password.", 200, {
    "Content-Type": "text/html; charset=utf-8",
  });
});

const server = serve({ fetch: app.fetch, port: Number(process.env.PORT), hostname: "127.0.0.1" });
process.once("SIGTERM", () => {
  server.close();
  void sql.end({ timeout: 2 }).then(() => process.exit(0));
});
