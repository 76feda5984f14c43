import type { PGlite } from "@electric-sql/pglite";

/**
 * What pglite-socket's PGLiteSocketHandler asks of its queue (the shape of its own
 * QueryQueueManager, which is not exported): run one frontend message, stream the answer back.
 */
export interface SessionQueue {
  enqueue(
    clientId: number,
    message: Uint8Array,
    onData: (data: Uint8Array) => void,
  ): Promise<number>;
  clearQueueForHandler(clientId: number): void;
  clearTransactionIfNeeded(clientId: number): Promise<void>;
  /** The client holding the session between two messages of its turn, if any. */
  holder(): number | undefined;
  /** Resolves once no client holds the session and nothing is queued. */
  drained(): Promise<void>;
}

export interface SessionQueueOptions {
  /** Called when the holder sent nothing for `idleMillis` in the middle of its turn. */
  onIdleHolder(clientId: number): void;
  idleMillis: number;
}

interface Queued {
  clientId: number;
  /** A frontend message, or "end": the client is gone, close its turn. */
  message: Uint8Array | "end";
  onData(data: Uint8Array): void;
  resolve(bytes: number): void;
  reject(error: Error): void;
}

// A client gone mid-turn is undone as PostgreSQL undoes a backend that exits: Executing a portal
// that does not exist puts an extended-protocol sequence in error, so the Sync after it aborts
// its implicit transaction instead of committing it; a simple ROLLBACK then ends an open block.
const FAIL_SEQUENCE = executeMessage("passdesk_client_gone");
const SYNC = Uint8Array.of(0x53, 0, 0, 0, 4);
const ROLLBACK = simpleQuery("ROLLBACK");

/**
 * PGlite is one PostgreSQL session. Many clients can share it only if each one has it to itself
 * for a whole *turn*: from its first message until the backend is ReadyForQuery and idle again,
 * so an open transaction, or a Parse…Sync sequence using the unnamed statement, is never entered
 * by anyone else. pglite-socket's own queue takes only PGlite's query mutex, per message: the
 * server's in-process transactions (which hold PGlite's transaction mutex across many queries)
 * would run a client's statements inside them, and the server's queries would land inside a
 * client's transaction. Here a turn holds the transaction mutex — the one every PGlite `query`,
 * `exec` and `transaction` of the server takes — so the server and each client take turns at
 * transaction granularity, in both directions.
 */
export function createSessionQueue(pg: PGlite, options: SessionQueueOptions): SessionQueue {
  let queue: Queued[] = [];
  let holder: number | undefined;
  let releaseSession: (() => void) | undefined;
  let pumping = false;
  let idleTimer: NodeJS.Timeout | undefined;
  const drainWaiters: Array<() => void> = [];

  function release(): void {
    holder = undefined;
    releaseSession?.();
    releaseSession = undefined;
  }

  async function run(message: Uint8Array, onData: (data: Uint8Array) => void) {
    const tail = createReadyTracker();
    let bytes = 0;
    await pg.runExclusive(() =>
      pg.execProtocolRawStream(message, {
        onRawData: (data) => {
          bytes += data.length;
          tail.push(data);
          onData(data);
        },
      }),
    );
    return { bytes, idle: tail.readyStatus() === "I" };
  }

  async function endTurn(clientId: number): Promise<void> {
    if (holder !== clientId) return;
    // The client left mid-turn (closed, crashed or timed out): undo what it left open.
    try {
      await run(FAIL_SEQUENCE, () => {});
      await run(SYNC, () => {});
      if (pg.isInTransaction()) await run(ROLLBACK, () => {});
    } finally {
      release();
    }
  }

  async function pump(): Promise<void> {
    if (pumping) return;
    pumping = true;
    clearTimeout(idleTimer);
    try {
      for (;;) {
        const index = holder === undefined ? 0 : queue.findIndex((q) => q.clientId === holder);
        const next = index === -1 ? undefined : queue[index];
        if (!next) break;
        queue.splice(index, 1);
        if (next.message === "end") {
          await endTurn(next.clientId).then(() => next.resolve(0), next.reject);
          continue;
        }
        if (holder === undefined) {
          releaseSession = await holdSession(pg);
          holder = next.clientId;
        }
        try {
          const { bytes, idle } = await run(next.message, next.onData);
          if (idle) release();
          next.resolve(bytes);
        } catch (error) {
          // The session's state is unknown: the handler closes this client, whose "end" follows.
          next.reject(error as Error);
        }
      }
    } finally {
      pumping = false;
    }
    const waiting = holder;
    if (waiting !== undefined) {
      idleTimer = setTimeout(() => options.onIdleHolder(waiting), options.idleMillis);
      idleTimer.unref();
    } else if (queue.length === 0) {
      for (const wake of drainWaiters.splice(0)) wake();
    }
  }

  function push(item: Omit<Queued, "resolve" | "reject">): Promise<number> {
    return new Promise((resolve, reject) => {
      queue.push({ ...item, resolve, reject });
      void pump();
    });
  }

  return {
    enqueue: (clientId, message, onData) => push({ clientId, message, onData }),
    clearQueueForHandler(clientId) {
      const gone = queue.filter((q) => q.clientId === clientId && q.message !== "end");
      queue = queue.filter((q) => !gone.includes(q));
      for (const q of gone) q.reject(new Error("client disconnected"));
    },
    async clearTransactionIfNeeded(clientId) {
      await push({ clientId, message: "end", onData: () => {} });
    },
    holder: () => holder,
    drained: () =>
      holder === undefined && queue.length === 0 && !pumping
        ? Promise.resolve()
        : new Promise((resolve) => drainWaiters.push(resolve)),
  };
}

/** Takes PGlite's transaction mutex and keeps it until the returned function is called. */
function holdSession(pg: PGlite): Promise<() => void> {
  return new Promise((held) => {
    void pg._runExclusiveTransaction(() => new Promise<void>((release) => held(release)));
  });
}

/**
 * Follows the backend's message framing (type byte, int32 length) across chunks, and reports
 * the status of the last message when it is ReadyForQuery ('Z'): "I" idle, "T" in a
 * transaction, "E" in a failed one.
 */
function createReadyTracker() {
  let header: number[] = [];
  let remaining = 0;
  let lastType = 0;
  let lastBody: number[] = [];
  return {
    push(data: Uint8Array) {
      for (let i = 0; i < data.length; ) {
        if (remaining === 0) {
          header.push(data[i++] as number);
          if (header.length < 5) continue;
          lastType = header[0] as number;
          remaining =
            ((header[1] as number) << 24) +
            ((header[2] as number) << 16) +
            ((header[3] as number) << 8) +
            (header[4] as number) -
            4;
          header = [];
          lastBody = [];
          continue;
        }
        const take = Math.min(remaining, data.length - i);
        if (lastType === 0x5a) lastBody.push(...data.subarray(i, i + take));
        remaining -= take;
        i += take;
      }
    },
    readyStatus(): string | undefined {
      if (remaining !== 0 || header.length !== 0 || lastType !== 0x5a) return undefined;
      return lastBody.length === 1 ? String.fromCharCode(lastBody[0] as number) : undefined;
    },
  };
}

function simpleQuery(text: string): Uint8Array {
  const body = Buffer.from(`${text}\0`, "utf8");
  const message = Buffer.alloc(5 + body.length);
  message.write("Q", 0, "latin1");
  message.writeInt32BE(4 + body.length, 1);
  body.copy(message, 5);
  return new Uint8Array(message);
}

function executeMessage(portal: string): Uint8Array {
  const name = Buffer.from(`${portal}\0`, "utf8");
  const message = Buffer.alloc(5 + name.length + 4);
  message.write("E", 0, "latin1");
  message.writeInt32BE(4 + name.length + 4, 1);
  name.copy(message, 5);
  message.writeInt32BE(0, 5 + name.length);
  return new Uint8Array(message);
}
