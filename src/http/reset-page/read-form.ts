import type { Context } from "hono";
import { findIllFormedText } from "../../well-formed-text.ts";

export type FormRead =
  /** Each name with its values in order; a name given twice has two. */
  | { ok: true; fields: Map<string, string[]> }
  /** `unreadable`: not a urlencoded form. `ill_formed`: bytes that are not UTF-8. */
  | { ok: false; reason: "unreadable" | "ill_formed" };

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();
const PERCENT = 0x25;

/**
 * Reads the reset form's body: `application/x-www-form-urlencoded`, the only encoding the page's
 * form uses. Decoded as the URL standard does, except that bytes which are not UTF-8 are refused
 * where the standard (and hono's parser) would turn them into U+FFFD: a password must arrive
 * exactly as typed, or not at all.
 */
export async function readResetForm(c: Context): Promise<FormRead> {
  const type = c.req.header("content-type")?.split(";")[0]?.trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded") return { ok: false, reason: "unreadable" };
  let body: ArrayBuffer;
  try {
    body = await c.req.arrayBuffer();
  } catch {
    return { ok: false, reason: "unreadable" };
  }
  let text: string;
  try {
    text = strictUtf8.decode(body);
  } catch {
    return { ok: false, reason: "ill_formed" };
  }
  return parseUrlEncoded(text);
}

/** Parses a query string or urlencoded body (without its `?`), refusing what is not UTF-8. */
export function parseUrlEncoded(text: string): FormRead {
  const fields = new Map<string, string[]>();
  for (const pair of text.split("&")) {
    if (pair === "") continue;
    const split = pair.indexOf("=");
    const name = decodeComponent(split === -1 ? pair : pair.slice(0, split));
    const value = decodeComponent(split === -1 ? "" : pair.slice(split + 1));
    if (name === undefined || value === undefined) return { ok: false, reason: "ill_formed" };
    fields.set(name, [...(fields.get(name) ?? []), value]);
  }
  // Strict decoding leaves no lone surrogate; this keeps it so whatever the decoding becomes.
  if (findIllFormedText(Object.fromEntries(fields)) !== undefined) {
    return { ok: false, reason: "ill_formed" };
  }
  return { ok: true, fields };
}

/** The single value of `name`; a missing or repeated field reads as absent. */
export function singleValue(fields: Map<string, string[]>, name: string): string | undefined {
  const values = fields.get(name);
  return values?.length === 1 ? values[0] : undefined;
}

function decodeComponent(component: string): string | undefined {
  const text = component.replaceAll("+", " ");
  if (!text.includes("%")) return text;
  const bytes = encoder.encode(text);
  const out = new Uint8Array(bytes.length);
  let length = 0;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i] as number;
    const high = hexValue(bytes[i + 1]);
    const low = hexValue(bytes[i + 2]);
    if (byte === PERCENT && high !== undefined && low !== undefined) {
      out[length++] = high * 16 + low;
      i += 2;
    } else {
      // A "%" not followed by two hex digits stays as it is, as the URL standard says.
      out[length++] = byte;
    }
  }
  try {
    return strictUtf8.decode(out.subarray(0, length));
  } catch {
    return undefined;
  }
}

function hexValue(byte: number | undefined): number | undefined {
  if (byte === undefined) return undefined;
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  const lower = byte | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return undefined;
}
