import { request } from "node:http";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { limitBodySize } from "../../src/http/limit-body-size.ts";
import { type LocalServer, serveLocally } from "../support/local-server.ts";

const MAX_BYTES = 16;

interface Answer {
  status: number;
  body: string;
}

describe("limitBodySize on a Node.js server", () => {
  let server: LocalServer;
  let port: number;
  let handled = 0;

  beforeAll(async () => {
    const app = new Hono();
    app.post(
      "/",
      limitBodySize(MAX_BYTES, (c) => c.text("too large", 413)),
      async (c) => {
        handled += 1;
        return c.text(`read ${(await c.req.text()).length}`);
      },
    );
    server = await serveLocally(app);
    port = server.port;
  });
  afterAll(async () => {
    await server?.close();
  });

  /** Sends `chunks` with `headers`; `end: false` leaves the request body unfinished. */
  function send(headers: Record<string, string>, chunks: string[], end = true): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const req = request(
        { host: "127.0.0.1", port, method: "POST", path: "/", headers, agent: false },
        (res) => {
          let body = "";
          res.setEncoding("utf8").on("data", (chunk: string) => {
            body += chunk;
          });
          res.on("end", () => {
            resolve({ status: res.statusCode ?? 0, body });
            req.destroy();
          });
        },
      );
      req.on("error", reject);
      for (const chunk of chunks) req.write(chunk);
      if (end) req.end();
      else req.flushHeaders();
    });
  }

  it("refuses a declared Content-Length over the limit before any of the body arrives", async () => {
    const before = handled;

    // Had the middleware waited for the body, this request would never be answered.
    const answer = await send({ "content-length": String(MAX_BYTES + 1) }, [], false);

    expect(answer).toEqual({ status: 413, body: "too large" });
    expect(handled).toBe(before);
  });

  it("decides on a declared Content-Length without opening the request's body stream", async () => {
    const app = new Hono();
    app.post(
      "/",
      limitBodySize(MAX_BYTES, (c) => c.text("too large", 413)),
      (c) => c.text("ok"),
    );
    const untouchable = (contentLength: number) => {
      const req = new Request("http://localhost/", {
        method: "POST",
        headers: { "content-length": String(contentLength) },
      });
      // On @hono/node-server, reading `body` builds a web Request and stream per request.
      return Object.defineProperty(req, "body", {
        get() {
          throw new Error("the body stream was opened");
        },
      });
    };

    expect((await app.fetch(untouchable(MAX_BYTES + 1))).status).toBe(413);
    expect((await app.fetch(untouchable(MAX_BYTES))).status).toBe(200);
  });

  it("passes a body of exactly the declared limit to the handler", async () => {
    const body = "x".repeat(MAX_BYTES);

    const answer = await send({ "content-length": String(body.length) }, [body]);

    expect(answer).toEqual({ status: 200, body: `read ${MAX_BYTES}` });
  });

  it("refuses a chunked body once it grows over the limit", async () => {
    const before = handled;

    const answer = await send({ "transfer-encoding": "chunked" }, ["x".repeat(10), "x".repeat(10)]);

    expect(answer).toEqual({ status: 413, body: "too large" });
    expect(handled).toBe(before);
  });

  it("passes a chunked body within the limit to the handler", async () => {
    const answer = await send({ "transfer-encoding": "chunked" }, ["x".repeat(8), "x".repeat(8)]);

    expect(answer).toEqual({ status: 200, body: `read ${MAX_BYTES}` });
  });
});
