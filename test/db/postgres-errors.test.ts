import { createServer, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  describePostgresConnectFailure,
  describePostgresTarget,
} from "../../src/db/postgres-errors.ts";
import { linesOf, runCli, runProcess } from "../support/cli.ts";

const TARGET = describePostgresTarget("postgres://app:s3cret@db.internal:6543/passdesk");

describe("describePostgresConnectFailure", () => {
  it.each([
    [
      { code: "3D000", message: 'database "passdesk" does not exist' },
      'PostgreSQL at db.internal:6543: database "passdesk" does not exist (create it: createdb -h db.internal -p 6543 passdesk)',
    ],
    [
      { code: "28P01", message: 'password authentication failed for user "app"' },
      'PostgreSQL at db.internal:6543: password authentication failed for user "app"',
    ],
    [
      { code: "28000", message: 'role "app" does not exist' },
      'PostgreSQL at db.internal:6543: role "app" does not exist (28000)',
    ],
    [
      { code: "28000", message: 'no pg_hba.conf entry for host "10.0.0.5", user "app"' },
      'PostgreSQL at db.internal:6543: no pg_hba.conf entry for host "10.0.0.5", user "app" (28000)',
    ],
    [
      { code: "ECONNREFUSED", message: "connect ECONNREFUSED 10.0.0.1:6543" },
      "cannot connect to PostgreSQL at db.internal:6543: connection refused (is it running, on that port?)",
    ],
    [
      { code: "ENOTFOUND", message: "getaddrinfo ENOTFOUND db.internal" },
      'cannot connect to PostgreSQL at db.internal:6543: unknown host "db.internal"',
    ],
    [
      { code: "EAI_AGAIN", message: "getaddrinfo EAI_AGAIN db.internal" },
      'cannot connect to PostgreSQL at db.internal:6543: unknown host "db.internal"',
    ],
    [
      { code: "CONNECT_TIMEOUT", message: "write CONNECT_TIMEOUT db.internal:6543" },
      "cannot connect to PostgreSQL at db.internal:6543: no answer within 5 s",
    ],
    [
      { code: "57P03", message: "the database system is starting up" },
      "PostgreSQL at db.internal:6543: the database system is starting up; try again",
    ],
    [
      { code: "XX000", message: "something odd\nDETAIL: more" },
      "PostgreSQL at db.internal:6543: something odd (XX000)",
    ],
    [
      { code: "ERR_SOMETHING", message: "postgres://app:s3cret@db.internal:6543/passdesk" },
      "cannot connect to PostgreSQL at db.internal:6543 (ERR_SOMETHING)",
    ],
  ])("%j reads %j", (error, line) => {
    const described = describePostgresConnectFailure(error, TARGET);
    expect(described).toBe(line);
    expect(described).not.toContain("s3cret");
  });
});

/** A TCP port that accepts connections and never answers (a firewall that drops replies). */
function startSilentServer(): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer(() => {});
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}

describe("a database that cannot be used stops the CLI and the server with one line", () => {
  let silent: Server;
  beforeAll(async () => {
    silent = await startSilentServer();
  });
  afterAll(() => {
    silent?.close();
  });

  async function startServerWith(databaseUrl: string) {
    return runProcess(process.execPath, ["--import", "tsx", "src/main.ts"], {
      env: { DATABASE_URL: databaseUrl, PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "info" },
    });
  }

  it("names a refused port and a silent one, and never shows the password", async () => {
    const port = (silent.address() as { port: number }).port;
    const refused = await runCli({ DATABASE_URL: "postgres://u:pw-1@127.0.0.1:1/x" }, ["migrate"]);
    expect({ code: refused.code, stderr: linesOf(refused.stderr) }).toEqual({
      code: 1,
      stderr: [
        "passdesk: cannot connect to PostgreSQL at 127.0.0.1:1: connection refused (is it running, on that port?)",
      ],
    });
    const server = await startServerWith(`postgres://u:pw-2@127.0.0.1:${port}/x`);
    expect({ code: server.code, stderr: linesOf(server.stderr) }).toEqual({
      code: 1,
      stderr: [`passdesk: cannot connect to PostgreSQL at 127.0.0.1:${port}: no answer within 5 s`],
    });
    expect(server.stdout).not.toContain("pw-2");
  });

  it.skipIf(!process.env.TEST_DATABASE_URL)(
    "names a database that does not exist and how to create it, on the real PostgreSQL",
    async () => {
      const url = new URL(process.env.TEST_DATABASE_URL ?? "");
      url.pathname = "/passdesk_no_such_database";
      url.password = "never-shown";
      const host = `${url.hostname}:${url.port || 5432}`;
      const line = `passdesk: PostgreSQL at ${host}: database "passdesk_no_such_database" does not exist (create it: createdb -h ${url.hostname} -p ${url.port || 5432} passdesk_no_such_database)`;
      const cli = await runCli({ DATABASE_URL: url.toString() }, ["users", "list"]);
      expect({ code: cli.code, stderr: linesOf(cli.stderr) }).toEqual({ code: 1, stderr: [line] });
      const server = await startServerWith(url.toString());
      expect({ code: server.code, stderr: linesOf(server.stderr) }).toEqual({
        code: 1,
        stderr: [line],
      });
      expect(`${server.stdout}${server.stderr}${cli.stderr}`).not.toContain("never-shown");
    },
  );

  it.skipIf(!process.env.TEST_DATABASE_URL)(
    "names a role that does not exist, on the real PostgreSQL",
    async () => {
      const url = new URL(process.env.TEST_DATABASE_URL ?? "");
      url.username = "passdesk_no_such_role";
      url.password = "never-shown";
      const host = `${url.hostname}:${url.port || 5432}`;
      const cli = await runCli({ DATABASE_URL: url.toString() }, ["migrate"]);
      expect({ code: cli.code, stderr: linesOf(cli.stderr) }).toEqual({
        code: 1,
        stderr: [
          `passdesk: PostgreSQL at ${host}: role "passdesk_no_such_role" does not exist (28000)`,
        ],
      });
    },
  );
});
