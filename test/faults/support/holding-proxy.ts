import { createConnection, createServer, type Server, type Socket } from "node:net";

/*
 * A TCP forwarder on 127.0.0.1 in front of a PostgreSQL database (a SQL user store), which can
 * hold the database's answer to an UPDATE: the statement ran and committed, but the client hears
 * nothing until the answer is released, or its connection is cut. What a process killed between
 * the store's write and its own, or a network that fails after the commit, looks like to
 * Passdesk. It can also be taken down (connections refused, open ones cut) like tcp-proxy.ts.
 */

/** PostgreSQL's CommandComplete tag for an UPDATE of one row, as it travels on the wire. */
const UPDATE_ONE_ROW = Buffer.from("UPDATE 1\0", "latin1");

export interface HoldingProxy {
  readonly port: number;
  /** From now on, a connection whose answer reports `UPDATE 1` is held from that answer on. */
  holdUpdateAnswers: boolean;
  /** Connections held right now. */
  readonly held: number;
  /** Forwards every held answer, and stops holding. */
  release(): void;
  /** Cuts every held connection: the client's connection is lost after the commit. */
  cutHeld(): void;
  /** Down: open connections are cut and new ones refused until start(). */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

interface Link {
  client: Socket;
  upstream: Socket;
  /** Chunks from the database held back from the client; undefined while forwarding. */
  queue: Buffer[] | undefined;
}

export async function createHoldingProxy(target: {
  host: string;
  port: number;
}): Promise<HoldingProxy> {
  const links = new Set<Link>();
  let holdUpdateAnswers = false;

  const server: Server = createServer((client) => {
    const upstream = createConnection(target);
    const link: Link = { client, upstream, queue: undefined };
    links.add(link);
    for (const socket of [client, upstream]) socket.on("error", () => {});
    client.on("close", () => {
      links.delete(link);
      upstream.destroy();
    });
    upstream.on("close", () => client.destroy());
    client.pipe(upstream);
    upstream.on("data", (chunk: Buffer) => {
      if (!link.queue && holdUpdateAnswers && chunk.includes(UPDATE_ONE_ROW)) link.queue = [];
      if (link.queue) link.queue.push(chunk);
      else client.write(chunk);
    });
  });
  await listen(server, 0);
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  const port = address.port;
  let listening = true;

  const heldLinks = () => [...links].filter((link) => link.queue !== undefined);

  async function stop(): Promise<void> {
    if (!listening) return;
    listening = false;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const link of links) {
      link.client.destroy();
      link.upstream.destroy();
    }
    await closed;
  }

  return {
    port,
    get holdUpdateAnswers() {
      return holdUpdateAnswers;
    },
    set holdUpdateAnswers(value) {
      holdUpdateAnswers = value;
    },
    get held() {
      return heldLinks().length;
    },
    release() {
      holdUpdateAnswers = false;
      for (const link of heldLinks()) {
        const queue = link.queue ?? [];
        link.queue = undefined;
        for (const chunk of queue) link.client.write(chunk);
      }
    },
    cutHeld() {
      for (const link of heldLinks()) {
        link.client.destroy();
        link.upstream.destroy();
      }
    },
    stop,
    async start() {
      if (listening) return;
      await listen(server, port);
      listening = true;
    },
    async close() {
      holdUpdateAnswers = false;
      await stop();
    },
  };
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
}
