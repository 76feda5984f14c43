import postgres from "postgres";
import { afterEach, describe, expect, it } from "vitest";

// postgres.js 3.4.9 runs a deferred socket write after the socket closed and throws from a
// setImmediate callback, which kills the process (porsager/postgres#1154, #1208). Passdesk ships
// a fix in patches/postgres+3.4.9.patch, applied by `npm ci` (postinstall: patch-package).
// Without the patch this test file crashes its worker with "Cannot read properties of null".
const url = process.env.TEST_DATABASE_URL;

describe.skipIf(!url)("postgres.js after its server closes a connection", () => {
  const clients: postgres.Sql[] = [];
  const connect = (max: number) => {
    const client = postgres(url as string, { max, onnotice: () => {}, connect_timeout: 5 });
    clients.push(client);
    return client;
  };

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.end({ timeout: 1 })));
  });

  it("rejects queries on the dead connection with CONNECTION_CLOSED instead of crashing", async () => {
    const pool = connect(2);
    const admin = connect(1);
    const reserved = await pool.reserve();
    const [row] = await reserved<{ pid: number }[]>`select pg_backend_pid() as pid`;
    await admin`select pg_terminate_backend(${row?.pid ?? 0})`;
    await new Promise((resolve) => setTimeout(resolve, 200));

    for (let attempt = 0; attempt < 3; attempt += 1) {
      await expect(reserved`select 1`).rejects.toMatchObject({ code: "CONNECTION_CLOSED" });
    }
    reserved.release();

    // The process is alive and a fresh pool still works.
    const [fresh] = await connect(1)<{ ok: number }[]>`select 1 as ok`;
    expect(fresh?.ok).toBe(1);
  });
});
