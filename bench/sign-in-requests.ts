import { randomBytes } from "node:crypto";
import type { DatabaseHandle } from "../src/db/client.ts";
import { createRepository } from "../src/db/stores.ts";
import { PASSWORD_REALM_GRANT } from "../src/http/oauth/parse-token-request.ts";
import { DEFAULT_CONNECTION } from "./database.ts";
import { freePort, PASSDESK_BUILD, startChildServer } from "./processes.ts";

/** No request may hang the bench. */
const REQUEST_TIMEOUT_MILLIS = 15_000;
/** Far above anything the bench sends: the limits must not answer instead of the endpoint. */
const UNLIMITED = "1000000000";

/** A public client (no secret), as an SPA or a mobile app would be registered. */
export async function addPublicClient(handle: Pick<DatabaseHandle, "db" | "query">) {
  const client = await createRepository(handle).clients.add({ name: "bench", webOrigins: [] });
  return client.clientId;
}

/**
 * Passdesk as `npm start` runs it, for sign-in: its own key-encryption key (nothing written to
 * .data/), the per-IP and suspicious-IP limits out of the way (the bench is one client asking
 * for thousands of sign-ins), and room in the Argon2 queue for `argon2MaxQueued` requests with
 * no deadline that a slow host could reach: the section measures what a sign-in costs, not the
 * refusals of an overloaded server (at the defaults, 16 queued for at most 1 s, 32 clients at
 * once on one Argon2 thread get 503s as soon as a verification takes over 32 ms).
 */
export async function startSignInPassdesk(options: {
  env: Record<string, string>;
  sendGridUrl: string;
  argon2MaxQueued: number;
  nodeArgs?: string[];
}) {
  const port = await freePort();
  return startChildServer({
    name: "passdesk-sign-in",
    script: PASSDESK_BUILD,
    typescript: false,
    port,
    readyPath: "/readyz",
    readyTimeoutMillis: 120_000,
    ...(options.nodeArgs && { nodeArgs: options.nodeArgs }),
    env: {
      ...options.env,
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      LOG_LEVEL: "warn",
      TRUST_PROXY: "1",
      SENDGRID_API_KEY: "SG.bench-key",
      SENDGRID_API_URL: options.sendGridUrl,
      PASSDESK_KEY_ENCRYPTION_KEY: randomBytes(32).toString("hex"),
      SIGN_IN_RATE_LIMIT_PER_IP_BURST: UNLIMITED,
      SIGN_IN_RATE_LIMIT_PER_IP_PER_MINUTE: UNLIMITED,
      SIGN_IN_IP_FAILURES_BURST: UNLIMITED,
      SIGN_IN_IP_FAILURES_PER_MINUTE: UNLIMITED,
      ARGON2_MAX_QUEUED: String(options.argon2MaxQueued),
      ARGON2_MAX_WAIT_MILLIS: "60000",
    },
  });
}

let nextIp = 0;

/**
 * One password-realm sign-in, as auth0.js and node-auth0 send it, from a client IP no request
 * used before (so that no per-IP count or bucket is shared between requests).
 */
export async function signIn(
  url: string,
  fields: { clientId: string; username: string; password: string },
): Promise<{ status: number; millis: number }> {
  nextIp += 1;
  const started = performance.now();
  const response = await fetch(`${url}/oauth/token`, {
    method: "POST",
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MILLIS),
    headers: {
      "content-type": "application/json",
      "x-forwarded-for": `10.${(nextIp >> 16) & 255}.${(nextIp >> 8) & 255}.${nextIp & 255}`,
    },
    body: JSON.stringify({
      grant_type: PASSWORD_REALM_GRANT,
      client_id: fields.clientId,
      username: fields.username,
      password: fields.password,
      realm: DEFAULT_CONNECTION,
      scope: "openid profile email",
    }),
  });
  await response.arrayBuffer();
  return { status: response.status, millis: performance.now() - started };
}
