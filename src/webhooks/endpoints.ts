import { randomBytes } from "node:crypto";
import { createOpaqueId, type RandomBytes } from "../secret-tokens.ts";
import type { SecretSeal } from "./deliver.ts";
import { type ChangeEventType, isChangeEventType } from "./events.ts";
import type { WebhookEndpoint, WebhookEndpointStore } from "./ports.ts";

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * Why `url` cannot receive webhooks, or undefined when it can: https, or plain http to this
 * machine only (a receiver under development) — a signed body still says who changed what.
 */
export function webhookUrlProblem(url: string): string | undefined {
  if (!URL.canParse(url)) return "is not a URL";
  const parsed = new URL(url);
  if (parsed.username || parsed.password) return "must not hold a user name or password";
  if (parsed.hash) return "must not have a #fragment";
  if (parsed.protocol === "https:") return undefined;
  if (parsed.protocol === "http:") {
    const host = parsed.hostname.toLowerCase();
    return LOOPBACK_HOSTS.has(host) || host.endsWith(".localhost") || /^127\./.test(host)
      ? undefined
      : "must be https (http only for localhost)";
  }
  return "must be https (http only for localhost)";
}

/** The event names a comma-separated list gives, or the unknown ones. */
export function parseEventTypes(
  list: string,
): { ok: true; events: ChangeEventType[] } | { ok: false; unknown: string[] } {
  const names = [
    ...new Set(
      list
        .split(",")
        .map((name) => name.trim())
        .filter(Boolean),
    ),
  ];
  const unknown = names.filter((name) => !isChangeEventType(name));
  if (unknown.length > 0 || names.length === 0) return { ok: false, unknown };
  return { ok: true, events: names as ChangeEventType[] };
}

/** A signing secret: 256 random bits, with a prefix that says what it is when it leaks. */
export function createWebhookSecret(random: RandomBytes = randomBytes): string {
  return `whsec_${Buffer.from(random(32)).toString("base64url")}`;
}

export type AddWebhookResult =
  | { ok: true; endpoint: WebhookEndpoint; secret: string }
  | { ok: false; reason: "bad_url"; problem: string }
  | { ok: false; reason: "unknown_events"; unknown: string[] };

/**
 * Adds an endpoint for `events` with a new secret, stored sealed: the caller shows `secret`
 * once, and it is never read back in clear except to sign.
 */
export async function addWebhookEndpoint(
  deps: { endpoints: Pick<WebhookEndpointStore, "add">; seal: Pick<SecretSeal, "seal">; at: Date },
  input: { url: string; events: string },
): Promise<AddWebhookResult> {
  const problem = webhookUrlProblem(input.url);
  if (problem) return { ok: false, reason: "bad_url", problem };
  const parsed = parseEventTypes(input.events);
  if (!parsed.ok) return { ok: false, reason: "unknown_events", unknown: parsed.unknown };
  const secret = createWebhookSecret();
  const endpoint = {
    id: createOpaqueId("whk"),
    url: input.url,
    events: parsed.events,
    sealedSecret: deps.seal.seal(secret),
    createdAt: deps.at,
  };
  await deps.endpoints.add(endpoint);
  return { ok: true, endpoint, secret };
}
