import { serve } from "@hono/node-server";
import type { Hono } from "hono";

export interface LocalServer {
  port: number;
  close(): Promise<void>;
}

/** Serves `app` through @hono/node-server on 127.0.0.1, on a free port. */
export function serveLocally(app: Hono): Promise<LocalServer> {
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, (info) => {
      resolve({
        port: info.port,
        close: () => new Promise<void>((closed) => server.close(() => closed())),
      });
    });
  });
}
