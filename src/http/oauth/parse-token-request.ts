import type { ClientCredentials, TokenRequest } from "../../sign-in/exchange-token.ts";
import { findIllFormedText } from "../../well-formed-text.ts";
import type { ParseFailure } from "../change-password/parse-body.ts";

export const PASSWORD_REALM_GRANT = "http://auth0.com/oauth/grant-type/password-realm";

type Parsed<T> = { ok: true; value: T } | ParseFailure;

const CONTROL_CHARACTER = /\p{Cc}/u;
/** Far above any real password, far below what would make Argon2's input costly to read. */
export const MAX_PASSWORD_CHARS = 4096;

const invalid = (description: string): ParseFailure => ({
  ok: false,
  status: 400,
  error: "invalid_request",
  description,
});

/** One optional text field: a string, at most `max` characters, controls only when allowed. */
function text(
  fields: Record<string, unknown>,
  name: string,
  max: number,
  { controls = false } = {},
): string | null | ParseFailure {
  const value = fields[name];
  if (value === undefined || value === null || value === "") return null;
  if (typeof value !== "string") return invalid(`${name} must be a string.`);
  if (value.length > max) return invalid(`${name} is too long.`);
  if (!controls && CONTROL_CHARACTER.test(value)) {
    return invalid(`${name} must not contain control characters.`);
  }
  return value;
}

const isFailure = (value: unknown): value is ParseFailure =>
  typeof value === "object" && value !== null && "ok" in value && value.ok === false;

function required(
  fields: Record<string, unknown>,
  name: string,
  max: number,
  options?: { controls?: boolean },
): string | ParseFailure {
  const value = text(fields, name, max, options);
  return value ?? invalid(`Missing required parameter: ${name}`);
}

/** RFC 6749 2.3.1 form-encodes both parts; undefined for a malformed escape. */
function decodeFormComponent(part: string): string | undefined {
  try {
    return decodeURIComponent(part.replaceAll("+", " "));
  } catch {
    return undefined;
  }
}

/** The client's credentials from the body, or from HTTP Basic authentication (RFC 6749 2.3.1). */
export function readClientCredentials(
  fields: Record<string, unknown>,
  authorization: string | undefined,
): Parsed<ClientCredentials> {
  const basic = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(authorization ?? "")?.[1];
  if (basic !== undefined) {
    const decoded = Buffer.from(basic, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) return invalid("The Authorization header is not client_id:client_secret.");
    const clientId = decodeFormComponent(decoded.slice(0, colon));
    const clientSecret = decodeFormComponent(decoded.slice(colon + 1));
    if (clientId === undefined || clientSecret === undefined) {
      return invalid("The Authorization header is not client_id:client_secret.");
    }
    fields = { ...fields, client_id: clientId, client_secret: clientSecret };
  }
  const clientId = required(fields, "client_id", 128);
  if (isFailure(clientId)) return clientId;
  const clientSecret = text(fields, "client_secret", 256);
  if (isFailure(clientSecret)) return clientSecret;
  return { ok: true, value: { clientId, clientSecret } };
}

/** Validates Auth0's `POST /oauth/token` body for the grants Passdesk supports. */
export function parseTokenRequest(
  fields: Record<string, unknown>,
  authorization: string | undefined,
): Parsed<TokenRequest> {
  if (findIllFormedText(fields) !== undefined) {
    return invalid("The request body must be well-formed Unicode (no lone surrogates).");
  }
  const grantType = required(fields, "grant_type", 128);
  if (isFailure(grantType)) return grantType;
  const credentials = readClientCredentials(fields, authorization);
  if (!credentials.ok) return credentials;
  const scope = text(fields, "scope", 1024);
  if (isFailure(scope)) return scope;
  const audience = text(fields, "audience", 512);
  if (isFailure(audience)) return audience;
  const common = { ...credentials.value, scope, audience };

  if (grantType === "password" || grantType === PASSWORD_REALM_GRANT) {
    const username = required(fields, "username", 512);
    if (isFailure(username)) return username;
    const password = required(fields, "password", MAX_PASSWORD_CHARS, { controls: true });
    if (isFailure(password)) return password;
    const realm = grantType === PASSWORD_REALM_GRANT ? required(fields, "realm", 128) : null;
    if (isFailure(realm)) return realm;
    return { ok: true, value: { ...common, grantType: "password", username, password, realm } };
  }
  if (grantType === "refresh_token") {
    const refreshToken = required(fields, "refresh_token", 256);
    if (isFailure(refreshToken)) return refreshToken;
    return { ok: true, value: { ...common, grantType: "refresh_token", refreshToken } };
  }
  return {
    ok: false,
    status: 400,
    error: "unsupported_grant_type",
    description: `Unsupported grant type: ${grantType}`,
  };
}
