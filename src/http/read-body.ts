import type { HttpBindings } from "@hono/node-server";
import type { Context } from "hono";

const utf8 = new TextDecoder();

/**
 * The request body as text, decoded as `Request.text()` decodes it (UTF-8, a leading BOM dropped,
 * invalid bytes as U+FFFD). Served by @hono/node-server, a body of declared length is read
 * straight from Node's request stream: `c.req.text()` would first build a web Request with a
 * ReadableStream and an AbortSignal, which cost more than the rest of a small endpoint. Anything
 * else (tests calling `app.request`, chunked bodies counted by limitBodySize) takes `c.req.text()`.
 */
export async function readBodyText(c: Context): Promise<string> {
  const incoming = (c.env as Partial<HttpBindings> | undefined)?.incoming;
  if (
    !incoming ||
    incoming.readableDidRead ||
    c.req.header("content-length") === undefined ||
    c.req.header("transfer-encoding") !== undefined
  ) {
    return c.req.text();
  }
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) chunks.push(chunk as Buffer);
  return utf8.decode(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
}
