import { spawn } from "node:child_process";
import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../support/cli.ts";
import { backends, createTestDatabase, type TestDatabase } from "../support/database.ts";

// Far more than a pipe buffers (64 KiB on Linux): the command is still writing when the reader
// goes away, as with `passdesk users list | head`.
const USERS = 2_500;

describe.each(backends)("passdesk output into a reader that stops early, on %s", (backend) => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase(backend);
    const { handle, repo } = await database.open();
    try {
      const connection = await repo.connections.findByName("Username-Password-Authentication");
      for (let i = 0; i < USERS; i++) {
        await repo.users.add(connection?.id ?? 0, { email: `reader-${i}@example.com` });
      }
    } finally {
      await handle.close();
    }
  });

  afterAll(async () => {
    await database?.drop();
  });

  it("stops writing quietly, exit code 0 and nothing on stderr, as a Unix tool would", async () => {
    const child = spawn(
      process.execPath,
      ["bin/passdesk.js", "users", "list", "--limit", String(USERS)],
      {
        cwd: repoRoot,
        env: {
          ...process.env,
          DATABASE_URL: "",
          PGLITE_DATA_DIR: "",
          LOG_LEVEL: "silent",
          ...database.env,
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    const exited = once(child, "exit");
    const [first] = (await once(child.stdout, "data")) as [Buffer];
    child.stdout.destroy();
    const [code] = await exited;

    expect(first.toString("utf8")).toMatch(/^\d+\treader-0@example\.com\t/);
    expect(stderr).toBe("");
    expect(code).toBe(0);
  });
});
