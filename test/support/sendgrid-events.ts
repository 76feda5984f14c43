import { generateKeyPairSync, type KeyObject, sign } from "node:crypto";

export interface EventSigner {
  /** The verification key as SendGrid shows it: base64 DER (SPKI) of a P-256 key. */
  publicKey: string;
  /** Headers SendGrid sends with a signed Event Webhook delivery of `body`. */
  headers(body: string | Uint8Array, timestamp?: string): Record<string, string>;
}

/** A fresh ECDSA P-256 key pair standing in for SendGrid's signing key. */
export function createEventSigner(): EventSigner {
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  return {
    publicKey: (publicKey as KeyObject).export({ type: "spki", format: "der" }).toString("base64"),
    headers(body, timestamp = String(Math.floor(Date.now() / 1000))) {
      return {
        "content-type": "application/json",
        "x-twilio-email-event-webhook-timestamp": timestamp,
        "x-twilio-email-event-webhook-signature": sign(
          "sha256",
          Buffer.concat([Buffer.from(timestamp), Buffer.from(body)]),
          privateKey,
        ).toString("base64"),
      };
    },
  };
}

let eventCounter = 0;

/** One event shaped like SendGrid's, with Passdesk's custom arg flattened in as SendGrid does. */
export function sendGridEvent(ref: string, event: string, extra: Record<string, unknown> = {}) {
  return {
    email: "someone@example.com",
    timestamp: Math.floor(Date.now() / 1000),
    event,
    sg_event_id: `evt-${++eventCounter}-${Math.random().toString(36).slice(2)}`,
    sg_message_id: "msg.filter",
    passdesk_ref: ref,
    ...extra,
  };
}
