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
  if (!canReadDirectly(c)) return c.req.text();
  return utf8.decode(await readIncoming(c));
}

/**
 * The request body's bytes as they arrived, for checking a signature over them before anything
 * decodes them; read the same two ways as readBodyText.
 */
export async function readBodyBytes(c: Context): Promise<Uint8Array> {
  if (!canReadDirectly(c)) return new Uint8Array(await c.req.arrayBuffer());
  return readIncoming(c);
}

function canReadDirectly(c: Context): boolean {
  const incoming = (c.env as Partial<HttpBindings> | undefined)?.incoming;
  return (
    incoming !== undefined &&
    !incoming.readableDidRead &&
    c.req.header("content-length") !== undefined &&
    c.req.header("transfer-encoding") === undefined
  );
}

/**
 * Node's request stream, read with its events: `for await` builds an async iterator, an
 * end-of-stream watcher and a promise per chunk, several times the cost of a one-chunk body.
 * A request that closes before its end rejects, as the iterator would.
 */
function readIncoming(c: Context): Promise<Uint8Array> {
  const incoming = (c.env as HttpBindings).incoming;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
    };
    const onEnd = () => {
      stop();
      resolve(chunks.length === 1 && chunks[0] ? chunks[0] : Buffer.concat(chunks));
    };
    const onError = (error: Error) => {
      stop();
      reject(error);
    };
    const onClose = () => onError(new Error("the request closed before its body ended"));
    const stop = () => {
      incoming.off("data", onData).off("end", onEnd).off("error", onError).off("close", onClose);
    };
    incoming.on("data", onData).on("end", onEnd).on("error", onError).on("close", onClose);
  });
}
