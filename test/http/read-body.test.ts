import { request } from "node:http";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { limitBodySize } from "../../src/http/limit-body-size.ts";
import { readBodyText } from "../../src/http/read-body.ts";
import { type LocalServer, serveLocally } from "../support/local-server.ts";

const app = new Hono();
app.post(
  "/",
  limitBodySize(64, (c) => c.text("too large", 413)),
  async (c) => c.json({ text: await readBodyText(c) }),
);

/** What the web platform makes of the same bytes: the decoding readBodyText must match. */
const asRequestText = (bytes: Buffer) =>
  new Request("http://localhost/", { method: "POST", body: bytes }).text();

describe("readBodyText on a Node.js server", () => {
  let server: LocalServer;
  let port: number;

  beforeAll(async () => {
    server = await serveLocally(app);
    port = server.port;
  });
  afterAll(async () => {
    await server?.close();
  });

  function send(headers: Record<string, string>, chunks: Buffer[]): Promise<string> {
    return new Promise((resolve, reject) => {
      const req = request(
        { host: "127.0.0.1", port, method: "POST", path: "/", headers, agent: false },
        (res) => {
          let body = "";
          res.setEncoding("utf8").on("data", (chunk: string) => {
            body += chunk;
          });
          res.on("end", () => resolve(body));
        },
      );
      req.on("error", reject);
      for (const chunk of chunks) req.write(chunk);
      req.end();
    });
  }

  it.each([
    ["plain UTF-8", Buffer.from('{"email":"zoë@example.com"}')],
    [
      "a leading byte-order mark",
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("{}")]),
    ],
    ["invalid UTF-8", Buffer.from([0x7b, 0xc3, 0x28, 0xff, 0x7d])],
    ["an empty body", Buffer.alloc(0)],
  ])("decodes %s as Request.text() does", async (_label, bytes) => {
    const answer = await send({ "content-length": String(bytes.length) }, [bytes]);

    expect(JSON.parse(answer)).toEqual({ text: await asRequestText(bytes) });
  });

  it("joins a body that arrives in pieces", async () => {
    const pieces = ["email=a", "%40b.example", "&connection=x"].map((piece) => Buffer.from(piece));
    const length = pieces.reduce((sum, piece) => sum + piece.length, 0);

    const answer = await send({ "content-length": String(length) }, pieces);

    expect(JSON.parse(answer)).toEqual({ text: "email=a%40b.example&connection=x" });
  });

  it("reads a chunked body through the limit that counts it", async () => {
    const answer = await send({ "transfer-encoding": "chunked" }, [
      Buffer.from("abc"),
      Buffer.from("déf"),
    ]);

    expect(JSON.parse(answer)).toEqual({ text: "abcdéf" });
  });
});

describe("readBodyText without a Node.js request", () => {
  it("reads the web Request (app.request in tests, other runtimes)", async () => {
    const response = await app.request("/", { method: "POST", body: "hello" });

    expect(await response.json()).toEqual({ text: "hello" });
  });
});

describe("readBodyText when the client goes away", () => {
  it("rejects a body cut short, and the server goes on serving", async () => {
    let settled: Promise<string> | undefined;
    const cut = new Hono();
    cut.post("/", (c) => {
      settled = readBodyText(c);
      return settled.then(
        (text) => c.json({ text }),
        () => c.text("cut short", 400),
      );
    });
    const server = await serveLocally(cut);
    try {
      await new Promise<void>((resolve) => {
        const req = request({
          host: "127.0.0.1",
          port: server.port,
          method: "POST",
          path: "/",
          headers: { "content-length": "100" },
          agent: false,
        });
        req.on("error", () => resolve());
        req.write("only part of it", () => setTimeout(() => req.destroy(), 50));
      });
      await expect.poll(() => settled !== undefined, { timeout: 5_000 }).toBe(true);
      await expect(settled).rejects.toThrow();

      const response = await fetch(`http://127.0.0.1:${server.port}/`, {
        method: "POST",
        body: "whole",
      });
      expect(await response.json()).toEqual({ text: "whole" });
    } finally {
      await server.close();
    }
  });
});
