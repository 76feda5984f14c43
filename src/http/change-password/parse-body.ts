import { isValidEmail, MAX_EMAIL_LENGTH } from "../../users/email.ts";
import { findIllFormedText } from "../../well-formed-text.ts";

export interface ChangePasswordBody {
  email: string;
  connection: string;
  clientId: string | null;
  organization: string | null;
}

export interface ParseFailure {
  ok: false;
  status: 400 | 415;
  error: string;
  description: string;
}

export type ParseResult = { ok: true; body: ChangePasswordBody } | ParseFailure;

/** PostgreSQL text cannot hold NUL; no name or id Passdesk stores has any control character. */
const CONTROL_CHARACTER = /\p{Cc}/u;

const invalid = (description: string): ParseFailure => ({
  ok: false,
  status: 400,
  error: "invalid_request",
  description,
});

/** JSON or form fields as a plain record; a repeated form field becomes an array, as in JSON. */
export function readFields(
  contentType: string,
  raw: string,
): { ok: true; fields: Record<string, unknown> } | ParseFailure {
  const mediaType = contentType.split(";")[0]?.trim().toLowerCase();
  if (mediaType === "application/json") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      return invalid("The request body is not valid JSON.");
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      return invalid("The request body must be a JSON object.");
    }
    return { ok: true, fields: parsed as Record<string, unknown> };
  }
  if (mediaType === "application/x-www-form-urlencoded") {
    const fields: Record<string, unknown> = {};
    for (const [key, value] of new URLSearchParams(raw)) {
      const previous = fields[key];
      fields[key] =
        previous === undefined
          ? value
          : [...(Array.isArray(previous) ? previous : [previous]), value];
    }
    return { ok: true, fields };
  }
  return {
    ok: false,
    status: 415,
    error: "unsupported_media_type",
    description: "Send the body as application/json or application/x-www-form-urlencoded.",
  };
}

function optionalString(
  fields: Record<string, unknown>,
  name: string,
  maxLength: number,
): string | null | ParseFailure {
  const value = fields[name];
  if (value === undefined || value === null || value === "") return null;
  if (typeof value !== "string") return invalid(`${name} must be a string.`);
  if (value.length > maxLength) return invalid(`${name} is too long.`);
  if (CONTROL_CHARACTER.test(value)) return invalid(`${name} must not contain control characters.`);
  return value;
}

const KNOWN_FIELDS = new Set(["email", "connection", "client_id", "organization", "password"]);

const isFailure = (value: unknown): value is ParseFailure =>
  typeof value === "object" && value !== null && "ok" in value && value.ok === false;

/**
 * Validates Auth0's change_password body. `email` must be one string: an array of addresses
 * (GitLab CVE-2023-7028) is refused, never "sent to each".
 */
export function parseChangePasswordBody(fields: Record<string, unknown>): ParseResult {
  const illFormed = findIllFormedText(fields);
  if (illFormed !== undefined) {
    // Named only when it is a field Passdesk reads: the rest of the path is the client's text.
    const field = illFormed.split(/[.[]/)[0] ?? "";
    return invalid(
      `${KNOWN_FIELDS.has(field) ? field : "The request body"} must be well-formed Unicode (no lone surrogates).`,
    );
  }
  if ("password" in fields) return invalid("password is not allowed");
  const { email, connection } = fields;
  if (email === undefined || email === null || email === "")
    return invalid("Missing required parameter: email");
  if (typeof email !== "string") return invalid("email must be a single string.");
  const trimmed = email.trim();
  if (trimmed.length > MAX_EMAIL_LENGTH)
    return invalid(`email must be at most ${MAX_EMAIL_LENGTH} characters.`);
  if (!isValidEmail(trimmed)) return invalid("email is not a valid email address.");
  if (connection === undefined || connection === null || connection === "") {
    return invalid("Missing required parameter: connection");
  }
  if (
    typeof connection !== "string" ||
    connection.length > 128 ||
    CONTROL_CHARACTER.test(connection)
  )
    return invalid("connection must be a connection name.");
  const clientId = optionalString(fields, "client_id", 128);
  if (isFailure(clientId)) return clientId;
  const organization = optionalString(fields, "organization", 128);
  if (isFailure(organization)) return organization;
  return { ok: true, body: { email: trimmed, connection, clientId, organization } };
}
