import type { Context } from "hono";
import { readFields } from "./change-password/parse-body.ts";
import { errorResponse } from "./errors.ts";
import { limitBodySize } from "./limit-body-size.ts";
import { readBodyText } from "./read-body.ts";

/** The public API's body limit, answered in Auth0's error shape. */
export function limitApiBody(maxBytes: number) {
  return limitBodySize(maxBytes, (c) =>
    errorResponse(
      c,
      413,
      "request_too_large",
      `The request body must be at most ${maxBytes} bytes.`,
    ),
  );
}

/**
 * A public API body (JSON or form-encoded) as fields, or the error response that refuses it:
 * the first step of every Auth0 endpoint Passdesk answers.
 */
export async function readApiFields(c: Context): Promise<Record<string, unknown> | Response> {
  const read = readFields(c.req.header("content-type") ?? "", await readBodyText(c));
  return read.ok ? read.fields : errorResponse(c, read.status, read.error, read.description);
}
