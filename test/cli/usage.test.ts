import { describe, expect, it } from "vitest";
import { linesOf, runCli } from "../support/cli.ts";

// Nothing listens on port 1: a command that touched the database would fail loudly.
const UNREACHABLE = { DATABASE_URL: "postgres://postgres:s3cret-pw@127.0.0.1:1/passdesk" };

const COMMANDS = [
  [],
  ["migrate"],
  ["connections"],
  ["connections", "list"],
  ["connections", "add"],
  ["connections", "set"],
  ["connections", "brute-force"],
  ["clients"],
  ["clients", "add"],
  ["clients", "list"],
  ["clients", "remove"],
  ["users"],
  ["users", "add"],
  ["users", "import"],
  ["users", "list"],
  ["users", "show"],
  ["users", "block"],
  ["users", "unblock"],
  ["users", "delete"],
  ["users", "blocks"],
  ["users", "unblock-ip"],
  ["roles"],
  ["roles", "grant"],
  ["roles", "revoke"],
  ["roles", "list"],
  ["audit"],
  ["audit", "tail"],
  ["webhooks"],
  ["webhooks", "add"],
  ["webhooks", "list"],
  ["webhooks", "remove"],
  ["webhooks", "rotate-secret"],
  ["webhooks", "deliveries"],
];

describe("passdesk --help", () => {
  it.concurrent.each(COMMANDS.map((command) => [command.join(" ") || "(no command)", command]))(
    "passdesk %s --help prints usage and exits 0 without opening the database",
    async (_name, command) => {
      const result = await runCli(UNREACHABLE, [...command, "--help"]);
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`Usage: passdesk ${command.join(" ")}`.trimEnd());
    },
  );

  it("passdesk users add --help documents reading the password from standard input", async () => {
    const result = await runCli(UNREACHABLE, ["users", "add", "--help"]);
    expect(result.stdout).toContain("--password <password>");
    expect(result.stdout).toContain("- to read it from standard input");
  });
});

describe("passdesk usage errors", () => {
  it.concurrent.each([
    [["frobnicate"], "unknown command 'frobnicate'"],
    [["user", "list"], "unknown command 'user' (Did you mean users?)"],
    [["connections", "list", "--verbose"], "unknown option '--verbose'"],
    [
      ["users", "add", "--email", "a@example.com"],
      "required option '--password <password>' not specified",
    ],
    [["clients", "add"], "missing required argument 'name'"],
    [
      ["roles", "grant", "U123ABC", "admin", "support"],
      "too many arguments for 'grant'. Expected 2 arguments but got 3.",
    ],
  ])("passdesk %j exits 1 with one short line", async (args, message) => {
    const result = await runCli(UNREACHABLE, args);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(linesOf(result.stderr)).toEqual([`passdesk: ${message} (run with --help for usage)`]);
  });
});

describe("passdesk start-up failures", () => {
  it("bad configuration stops any command with one line listing every problem", async () => {
    const result = await runCli(undefined, ["connections", "list"], {
      env: { PORT: "abc", LOG_LEVEL: "loud" },
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(linesOf(result.stderr)).toEqual([
      'passdesk: invalid configuration: PORT: must be a whole number from 0 to 65535 (got "abc"); LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent (got "loud")',
    ]);
  });

  it("an unreachable DATABASE_URL gives one clear line without the password or a stack trace", async () => {
    const result = await runCli(UNREACHABLE, ["connections", "list"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(linesOf(result.stderr)).toEqual([
      "passdesk: cannot connect to PostgreSQL at 127.0.0.1:1: connection refused (is it running, on that port?)",
    ]);
    expect(result.stderr).not.toContain("s3cret-pw");
  });
});
