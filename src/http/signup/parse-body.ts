import type { SignUpProfile } from "../../sign-up/sign-up.ts";
import { isValidEmail, MAX_EMAIL_LENGTH } from "../../users/email.ts";
import { findIllFormedText } from "../../well-formed-text.ts";
import type { ParseFailure } from "../change-password/parse-body.ts";

export interface SignUpBody {
  clientId: string;
  email: string;
  password: string;
  connection: string;
  profile: SignUpProfile;
}

export type SignUpParseResult = { ok: true; body: SignUpBody } | ParseFailure;

const CONTROL_CHARACTER = /\p{Cc}/u;
// Auth0's username characters; its longest allowed username is 128.
const USERNAME = /^[A-Za-z0-9_+\-.!#$'^`~@]{1,128}$/;
// Auth0's limits on user_metadata at signup.
const METADATA_MAX_PROPERTIES = 10;
const METADATA_MAX_NAME_LENGTH = 100;
const METADATA_MAX_VALUE_LENGTH = 500;

const invalid = (description: string): ParseFailure => ({
  ok: false,
  status: 400,
  error: "invalid_request",
  description,
});

// Internal to this parser: the first bad field ends the parse, and parseSignUpBody turns it back
// into a returned ParseFailure; nine fields checked in turn read better without nine early returns.
class Refused extends Error {
  constructor(readonly failure: ParseFailure) {
    super(failure.description);
  }
}
const refuse = (description: string): never => {
  throw new Refused(invalid(description));
};

function readString(fields: Record<string, unknown>, name: string, maxLength: number) {
  const value = fields[name];
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string") return refuse(`${name} must be a string.`);
  if (value.length > maxLength) return refuse(`${name} must be at most ${maxLength} characters.`);
  if (CONTROL_CHARACTER.test(value)) return refuse(`${name} must not contain control characters.`);
  return value;
}

function requireString(fields: Record<string, unknown>, name: string, maxLength: number) {
  return readString(fields, name, maxLength) ?? refuse(`Missing required parameter: ${name}`);
}

function readPicture(fields: Record<string, unknown>): string | undefined {
  const picture = readString(fields, "picture", 2048);
  if (picture === undefined) return undefined;
  if (!URL.canParse(picture) || !/^https?:$/.test(new URL(picture).protocol))
    return refuse("picture must be an http or https URL.");
  return picture;
}

function readMetadata(fields: Record<string, unknown>): Record<string, string> | undefined {
  const metadata = fields.user_metadata;
  if (metadata === undefined || metadata === null) return undefined;
  if (typeof metadata !== "object" || Array.isArray(metadata))
    return refuse("user_metadata must be a JSON object.");
  const entries = Object.entries(metadata);
  if (entries.length > METADATA_MAX_PROPERTIES)
    return refuse(`user_metadata must have at most ${METADATA_MAX_PROPERTIES} properties.`);
  for (const [name, value] of entries) {
    if (name.length === 0 || name.length > METADATA_MAX_NAME_LENGTH || CONTROL_CHARACTER.test(name))
      return refuse(
        `user_metadata property names must be 1 to ${METADATA_MAX_NAME_LENGTH} characters, without control characters.`,
      );
    // PostgreSQL's jsonb cannot hold U+0000; other control characters (newlines) are text.
    if (
      typeof value !== "string" ||
      value.length > METADATA_MAX_VALUE_LENGTH ||
      value.includes("\0")
    )
      return refuse(
        `user_metadata values must be strings of at most ${METADATA_MAX_VALUE_LENGTH} characters.`,
      );
  }
  return Object.fromEntries(entries) as Record<string, string>;
}

/** Validates Auth0's signup body; every field is a single string but user_metadata. */
export function parseSignUpBody(fields: Record<string, unknown>): SignUpParseResult {
  if (findIllFormedText(fields) !== undefined) {
    return invalid("The request body must be well-formed Unicode (no lone surrogates).");
  }
  try {
    const clientId = requireString(fields, "client_id", 128);
    const email = requireString(fields, "email", 1024).trim();
    if (email.length > MAX_EMAIL_LENGTH)
      refuse(`email must be at most ${MAX_EMAIL_LENGTH} characters.`);
    if (!isValidEmail(email)) refuse("email is not a valid email address.");
    const password = fields.password;
    if (password === undefined || password === null || password === "")
      refuse("Missing required parameter: password");
    if (typeof password !== "string") return refuse("password must be a string.");
    const connection = requireString(fields, "connection", 128);
    const username = readString(fields, "username", 128);
    if (username !== undefined && !USERNAME.test(username))
      refuse("username may contain letters, digits and _+-.!#$'^`~@ only.");
    const profile: SignUpProfile = {
      username,
      givenName: readString(fields, "given_name", 150),
      familyName: readString(fields, "family_name", 150),
      name: readString(fields, "name", 300),
      nickname: readString(fields, "nickname", 300),
      picture: readPicture(fields),
      userMetadata: readMetadata(fields),
    };
    return { ok: true, body: { clientId, email, password, connection, profile } };
  } catch (error) {
    if (error instanceof Refused) return error.failure;
    throw error;
  }
}
