import type { NewResetRequest } from "../../src/password-reset/ports.ts";

/** A public API reset request for `<publicId>@example.com`, for store tests. */
export function newResetRequest(publicId: string): NewResetRequest {
  return {
    publicId,
    email: `${publicId}@example.com`,
    connection: "Username-Password-Authentication",
    clientId: null,
    organization: null,
    source: "api",
    requestedBy: null,
    clientIp: "203.0.113.9",
  };
}
