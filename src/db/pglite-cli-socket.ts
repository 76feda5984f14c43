import { chmodSync, rmSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import type { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketHandler } from "@electric-sql/pglite-socket";
import { createSessionQueue } from "./pglite-session-queue.ts";

/** Where the server serves its PGlite to `passdesk` commands: beside the data directory. */
export function cliSocketPath(resolvedDataDir: string): string {
  return `${resolvedDataDir}.sock`;
}

/** sun_path holds 108 bytes on Linux and 104 on macOS, the terminating NUL included. */
export const MAX_SOCKET_PATH_BYTES = 103;

export interface CliSocket {
  path: string;
  stop(): Promise<void>;
}

export interface ServeOptions {
  /** A turn left open (a transaction, a Parse without Sync) this long is rolled back. */
  idleInTurnMillis?: number;
  maxClients?: number;
}

/**
 * Serves the server's PGlite session on a Unix socket only this OS user can open (0600, created
 * under umask 0177 so it never exists with wider permissions), for `passdesk` commands run while
 * the server holds the data directory. pglite-socket's handler does the wire framing; the session
 * queue decides who may use the session when (see createSessionQueue).
 */
export async function serveCliSocket(
  pg: PGlite,
  path: string,
  options: ServeOptions = {},
): Promise<CliSocket> {
  const sockets = new Map<number, Socket>();
  const handlers = new Set<PGLiteSocketHandler>();
  const queue = createSessionQueue(pg, {
    idleMillis: options.idleInTurnMillis ?? 30_000,
    onIdleHolder(clientId) {
      const socket = sockets.get(clientId);
      if (!socket || queue.holder() !== clientId) return;
      socket.end(fatalError("25P03", "passdesk: idle in transaction too long; rolled back"));
      socket.destroy();
    },
  });
  const server = createServer((socket) => {
    if (handlers.size >= (options.maxClients ?? 8)) {
      socket.end(fatalError("53300", "passdesk: too many CLI connections"));
      return;
    }
    // The handler's type names pglite-socket's own queue, a class it does not export.
    const handler = new PGLiteSocketHandler({
      queryQueue: queue as unknown as ConstructorParameters<
        typeof PGLiteSocketHandler
      >[0]["queryQueue"],
      closeOnDetach: true,
    });
    handlers.add(handler);
    sockets.set(handler.handlerId, socket);
    const forget = () => {
      handlers.delete(handler);
      sockets.delete(handler.handlerId);
    };
    handler.addEventListener("close", forget);
    handler.addEventListener("error", forget);
    void handler.attach(socket);
  });

  // A socket left by a killed server: this process holds the data directory lock, so it is ours.
  rmSync(path, { force: true });
  // bind() runs inside listen(): the umask is back before any other code runs.
  const umask = process.umask(0o177);
  const listening = new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    try {
      server.listen(path, () => resolve());
    } finally {
      process.umask(umask);
    }
  });
  await listening;
  chmodSync(path, 0o600);

  return {
    path,
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets.values()) socket.destroy();
      });
      await queue.drained();
      rmSync(path, { force: true });
    },
  };
}

/** An ErrorResponse a client reports as the reason its connection ended. */
function fatalError(code: string, message: string): Buffer {
  const fields = Buffer.from(`SFATAL\0VFATAL\0C${code}\0M${message}\0\0`, "utf8");
  const header = Buffer.alloc(5);
  header.write("E", 0, "latin1");
  header.writeInt32BE(4 + fields.length, 1);
  return Buffer.concat([header, fields]);
}
