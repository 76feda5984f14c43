import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/logger.ts";
import { startTestPassdesk, type TestPassdesk } from "../support/passdesk.ts";
import { openConnection, type RawConnection, trickle } from "../support/raw-connection.ts";
import { waitFor } from "../support/wait-for.ts";

// The server's limits are the same whatever the database, so these run on PGlite only.
const HANG_GUARD = { timeout: 20_000 };

const healthz = "GET /healthz HTTP/1.1\r\nHost: passdesk.test\r\n\r\n";

/** A logger whose JSON lines the test can read and wait for. */
function captureLogs(level: string) {
  const lines: string[] = [];
  const waiting = new Set<() => void>();
  const logger = createLogger(level, false, {
    write(line: string) {
      lines.push(line);
      for (const check of waiting) check();
    },
  });
  return {
    logger,
    lines: () => lines.map((line) => JSON.parse(line) as { level: number; msg: string }),
    waitFor: (text: string) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (!lines.some((line) => line.includes(text))) return;
          waiting.delete(check);
          resolve();
        };
        waiting.add(check);
        check();
      }),
  };
}

describe("the HTTP server's timeouts", HANG_GUARD, () => {
  const logs = captureLogs("info");
  let passdesk: TestPassdesk;

  beforeAll(async () => {
    passdesk = await startTestPassdesk(
      "pglite",
      { HTTP_HEADERS_TIMEOUT_MILLIS: "400", HTTP_REQUEST_TIMEOUT_MILLIS: "800" },
      { logger: logs.logger },
    );
  });
  afterAll(async () => {
    await passdesk?.close();
  });

  it("answers 408 and closes a connection whose body trickles in past the request timeout", async () => {
    const connection = openConnection(passdesk.port);
    await connection.connected;
    connection.write(
      "POST /dbconnections/change_password HTTP/1.1\r\nHost: passdesk.test\r\n" +
        "Content-Type: application/json\r\nContent-Length: 200\r\n\r\n",
    );

    // 200 bytes, one every 100 ms: the whole body would take 20 s.
    const sent = await trickle(connection, 200, 100);
    await connection.closed;

    expect(connection.received()).toMatch(/^HTTP\/1\.1 408 /);
    expect(sent).toBeLessThan(200);
    // The handler's read fails too: the client's doing, so no error-level line.
    await logs.waitFor("request abandoned mid-body");
    expect(logs.lines().filter((line) => line.level >= 50)).toEqual([]);
  });

  it("answers 408 and closes a connection whose headers never end", async () => {
    const connection = openConnection(passdesk.port);
    await connection.connected;
    connection.write("GET /healthz HTTP/1.1\r\nHost: passdesk.test\r\nX-Slow: ");

    const sent = await trickle(connection, 200, 100);
    await connection.closed;

    expect(connection.received()).toMatch(/^HTTP\/1\.1 408 /);
    expect(sent).toBeLessThan(200);
  });

  it("closes a connection that never sends anything", async () => {
    const connection = openConnection(passdesk.port);
    await connection.connected;

    await connection.closed;

    expect(connection.isClosed()).toBe(true);
  });

  it("still answers requests that arrive in time", async () => {
    const response = await fetch(`${passdesk.url}/healthz`);

    expect(response.status).toBe(200);
  });
});

describe("the HTTP server's connection bound", HANG_GUARD, () => {
  const MAX = 3;
  const logs = captureLogs("warn");
  let passdesk: TestPassdesk;

  beforeAll(async () => {
    passdesk = await startTestPassdesk(
      "pglite",
      { HTTP_MAX_CONNECTIONS: String(MAX), HTTP_KEEP_ALIVE_TIMEOUT_MILLIS: "60000" },
      { logger: logs.logger },
    );
  });
  afterAll(async () => {
    await passdesk?.close();
  });

  async function servedConnection(): Promise<RawConnection> {
    const connection = openConnection(passdesk.port);
    await connection.connected;
    connection.write(healthz);
    await connection.waitFor(/"status":"ok"/);
    return connection;
  }

  it("refuses connections beyond HTTP_MAX_CONNECTIONS and keeps serving the open ones", async () => {
    const open: RawConnection[] = [];
    for (let i = 0; i < MAX; i += 1) open.push(await servedConnection());

    const refused = openConnection(passdesk.port);
    refused.write(healthz);
    await refused.closed;
    expect(refused.received()).toBe("");

    const [first, ...others] = open;
    first?.write(healthz);
    await first?.waitFor(/"status":"ok"[\s\S]*"status":"ok"/);

    // Once a connection closes, its place is free for a new one.
    first?.destroy();
    await first?.closed;
    let served: RawConnection | undefined;
    await waitFor(
      async () => {
        served = await servedConnection().catch(() => undefined);
        return served !== undefined;
      },
      10_000,
      "a connection to be served in the freed place",
    );
    expect(served).toBeDefined();
    for (const connection of [...others, served]) connection?.destroy();
    expect(logs.lines().map((line) => line.msg)).toContain(
      "connections refused: HTTP_MAX_CONNECTIONS reached",
    );
  });
});
