import { connect } from "node:net";

/** One TCP connection to a local server, written byte by byte as a slow or hostile client would. */
export interface RawConnection {
  /** Resolves once the connection is established. */
  connected: Promise<void>;
  /** Resolves once the server (or anyone) has closed the connection. */
  closed: Promise<void>;
  isClosed(): boolean;
  /** Writes unless the connection is already closed; false when nothing was written. */
  write(text: string): boolean;
  /** Everything the server has sent so far, as text. */
  received(): string;
  /** Resolves when what the server sent matches `pattern`, or rejects once it closed without. */
  waitFor(pattern: RegExp): Promise<string>;
  destroy(): void;
}

export function openConnection(port: number): RawConnection {
  const socket = connect({ host: "127.0.0.1", port });
  let text = "";
  let closed = false;
  const listeners = new Set<() => void>();
  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => {
    text += chunk;
    for (const listener of listeners) listener();
  });
  // A reset (ECONNRESET) is one of the ways a server refuses; it ends in "close" like the others.
  socket.on("error", () => {});
  const closedPromise = new Promise<void>((resolve) =>
    socket.once("close", () => {
      closed = true;
      for (const listener of listeners) listener();
      resolve();
    }),
  );
  return {
    connected: new Promise((resolve, reject) => {
      socket.once("connect", () => resolve());
      socket.once("error", reject);
    }),
    closed: closedPromise,
    isClosed: () => closed,
    write(chunk) {
      if (closed || socket.destroyed) return false;
      socket.write(chunk);
      return true;
    },
    received: () => text,
    waitFor(pattern) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (pattern.test(text)) {
            listeners.delete(check);
            resolve(text);
          } else if (closed) {
            listeners.delete(check);
            reject(new Error(`closed without ${pattern}; received ${JSON.stringify(text)}`));
          }
        };
        listeners.add(check);
        check();
      });
    },
    destroy: () => socket.destroy(),
  };
}

/** Writes one byte every `intervalMillis` until the connection closes or `bytes` were sent. */
export async function trickle(
  connection: RawConnection,
  bytes: number,
  intervalMillis: number,
): Promise<number> {
  let sent = 0;
  while (sent < bytes && !connection.isClosed()) {
    await new Promise((resolve) => setTimeout(resolve, intervalMillis));
    if (connection.write("x")) sent += 1;
  }
  return sent;
}
