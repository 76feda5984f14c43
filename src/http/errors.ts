import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** The one error shape of Passdesk's public API, as Auth0's Authentication API sends it. */
export function errorResponse(
  c: Context,
  status: ContentfulStatusCode,
  error: string,
  description: string,
) {
  return c.json({ error, error_description: description }, status);
}
