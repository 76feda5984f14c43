import { execFile } from "node:child_process";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CliError } from "../../src/cli/context.ts";
import { readNewPassword } from "../../src/cli/read-password.ts";
import { linesOf, repoRoot, runCli } from "../support/cli.ts";
import { backends, createTestDatabase, type TestDatabase } from "../support/database.ts";

const PASSWORD = "a passphrase typed at the terminal";

/** A terminal as the prompt sees one: raw mode recorded, keys pushed in by the test. */
function createTerminal() {
  const stream = new PassThrough();
  const modes: boolean[] = [];
  const terminal = Object.assign(stream, {
    isTTY: true,
    setRawMode(raw: boolean) {
      modes.push(raw);
      return terminal;
    },
  });
  let written = "";
  const output = {
    write(text: string) {
      written += text;
      return true;
    },
  };
  return { terminal, output, modes, written: () => written };
}

/** Types `keys` once the prompt has been written `prompts` times. */
async function typeAfter(
  screen: ReturnType<typeof createTerminal>,
  prompt: string,
  keys: string,
): Promise<void> {
  await expect.poll(() => screen.written().endsWith(prompt)).toBe(true);
  screen.terminal.write(keys);
}

describe("readNewPassword on a terminal", () => {
  it("asks twice with echo off, returns what was typed and restores the terminal", async () => {
    const screen = createTerminal();
    const read = readNewPassword(screen.terminal, screen.output);
    await typeAfter(screen, "Password: ", `${PASSWORD}\r`);
    await typeAfter(screen, "Repeat it: ", `${PASSWORD}\r`);

    expect(await read).toBe(PASSWORD);
    expect(screen.written()).toBe("Password: \nRepeat it: \n");
    expect(screen.modes).toEqual([true, false]);
  });

  it("refuses two different passwords", async () => {
    const screen = createTerminal();
    const read = readNewPassword(screen.terminal, screen.output);
    await typeAfter(screen, "Password: ", "first attempt at it\r");
    await typeAfter(screen, "Repeat it: ", "second attempt at it\r");

    await expect(read).rejects.toThrow(new CliError("the two passwords differ; nothing was saved"));
    expect(screen.modes).toEqual([true, false]);
  });

  it("applies Backspace and Ctrl-U, ignores cursor keys, and keeps keys typed ahead", async () => {
    const screen = createTerminal();
    const read = readNewPassword(screen.terminal, screen.output);
    // Both answers pasted at once, with corrections along the way.
    screen.terminal.write("wrong\u0015pass\u001b[Dphrase!\u007f\rpassphrase\r");

    expect(await read).toBe("passphrase");
  });

  it("stops on Ctrl-C and on an empty password", async () => {
    const cancelled = createTerminal();
    const first = readNewPassword(cancelled.terminal, cancelled.output);
    cancelled.terminal.write("half\u0003");
    await expect(first).rejects.toThrow(new CliError("cancelled"));
    expect(cancelled.modes).toEqual([true, false]);

    const empty = createTerminal();
    const second = readNewPassword(empty.terminal, empty.output);
    empty.terminal.write("\r");
    await expect(second).rejects.toThrow(new CliError("no password given"));
  });
});

describe("readNewPassword from a pipe", () => {
  it("reads standard input to the end, less one final newline, without prompting", async () => {
    const input = new PassThrough();
    const written: string[] = [];
    const read = readNewPassword(input, { write: (text: string) => written.push(text) });
    input.end("line one\nstill the password\n");

    expect(await read).toBe("line one\nstill the password");
    expect(written).toEqual([]);
  });
});

const runInPty = promisify(execFile);

describe.each(backends)("passdesk users add --password - on a real terminal on %s", (backend) => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase(backend);
  });
  afterAll(async () => {
    await database?.drop();
  });

  /** Runs `passdesk users add` on a pseudo-terminal (python3's pty), answering the prompts. */
  async function addOnTerminal(email: string, answers: Array<[string, string]>) {
    const { stdout } = await runInPty(
      "python3",
      [
        join(repoRoot, "test", "support", "run-in-pty.py"),
        JSON.stringify(answers),
        "--",
        process.execPath,
        join(repoRoot, "bin", "passdesk.js"),
        ...["users", "add", "--email", email, "--password", "-"],
      ],
      {
        cwd: repoRoot,
        env: {
          ...process.env,
          DATABASE_URL: "",
          PGLITE_DATA_DIR: "",
          DEFAULT_CONNECTION: "",
          LOG_LEVEL: "silent",
          ...database.env,
        },
      },
    );
    return JSON.parse(stdout) as { status: number; transcript: string };
  }

  it("prompts twice, never shows the password, and finishes on Enter", async () => {
    const result = await addOnTerminal("tty@example.com", [
      ["Password: ", `${PASSWORD}\r`],
      ["Repeat it: ", `${PASSWORD}\r`],
    ]);

    expect(result.status).toBe(0);
    expect(linesOf(result.transcript.replaceAll("\r", ""))).toEqual([
      "Password: ",
      "Repeat it: ",
      "added tty@example.com to Username-Password-Authentication",
    ]);
    expect(result.transcript).not.toContain("passphrase");
    const piped = await runCli(database.env, ["users", "show", "tty@example.com"]);
    expect(piped.stdout).toContain("has_password: true");
  });

  it("refuses a mismatch and adds nobody", async () => {
    const result = await addOnTerminal("typo@example.com", [
      ["Password: ", `${PASSWORD}\r`],
      ["Repeat it: ", `${PASSWORD}x\r`],
    ]);

    expect(result.status).toBe(1);
    expect(result.transcript).toContain("passdesk: the two passwords differ; nothing was saved");
    expect(result.transcript).not.toContain("passphrase");
    const shown = await runCli(database.env, ["users", "show", "typo@example.com"]);
    expect(shown.code).toBe(1);
  });
});
