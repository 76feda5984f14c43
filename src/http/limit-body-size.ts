import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";

const DIGITS = /^\d+$/;

/**
 * Refuses request bodies over `maxBytes` with `onTooLarge`. A declared Content-Length is compared
 * without reading anything: hono's bodyLimit looks at `c.req.raw.body`, which makes
 * @hono/node-server build a web Request and ReadableStream for every request, and that cost more
 * than the rest of a small endpoint. Node's HTTP parser never hands on more body than the declared
 * length, so the header is enough. Chunked bodies declare no length; bodyLimit counts those.
 */
export function limitBodySize(
  maxBytes: number,
  onTooLarge: (c: Context) => Response | Promise<Response>,
): MiddlewareHandler {
  const countWhileReading = bodyLimit({ maxSize: maxBytes, onError: onTooLarge });
  return async function limitBodySize(c, next) {
    const declared = c.req.header("content-length");
    if (declared === undefined || !DIGITS.test(declared) || c.req.header("transfer-encoding")) {
      return countWhileReading(c, next);
    }
    if (Number(declared) > maxBytes) return onTooLarge(c);
    await next();
  };
}
