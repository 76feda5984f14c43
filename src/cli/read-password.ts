import { CliError } from "./context.ts";

/** Standard input as the prompt uses it: `process.stdin`, a terminal or not. */
export interface PasswordInput extends AsyncIterable<Buffer | string> {
  isTTY?: boolean;
  setRawMode?(raw: boolean): unknown;
  setEncoding(encoding: BufferEncoding): unknown;
  on(event: "data", listener: (chunk: string) => void): unknown;
  on(event: "end", listener: () => void): unknown;
  off(event: "data", listener: (chunk: string) => void): unknown;
  off(event: "end", listener: () => void): unknown;
  resume(): unknown;
  pause(): unknown;
}

export interface PromptOutput {
  write(text: string): unknown;
}

/**
 * A new password from the operator. On a terminal: asked twice with echo off ("Password:",
 * "Repeat it:"), each ended by Enter, refused when they differ. Otherwise (a pipe, a file) all of
 * standard input, less one final newline, so scripts can pipe a password in.
 */
export async function readNewPassword(
  input: PasswordInput,
  prompts: PromptOutput,
): Promise<string> {
  if (!input.isTTY || !input.setRawMode) return (await readAll(input)).replace(/\r?\n$/, "");
  const lines = readHiddenLines(input, prompts);
  try {
    const password = await lines.next("Password: ");
    if (password === "") throw new CliError("no password given");
    const repeated = await lines.next("Repeat it: ");
    if (repeated !== password) throw new CliError("the two passwords differ; nothing was saved");
    return password;
  } finally {
    lines.close();
  }
}

type Key = { line: string } | { cancelled: true };

/**
 * Lines typed with echo off (raw mode): Enter (or Ctrl-D) ends one, Backspace and Ctrl-U edit,
 * Ctrl-C cancels, cursor keys are ignored. Keys typed (or pasted) ahead are kept for the next line.
 */
function readHiddenLines(input: PasswordInput, prompts: PromptOutput) {
  const ready: Key[] = [];
  let waiting: ((key: Key) => void) | undefined;
  let line = "";
  let inEscape = false;
  const deliver = (key: Key) => {
    line = "";
    if (waiting) {
      const wake = waiting;
      waiting = undefined;
      wake(key);
    } else ready.push(key);
  };
  const onData = (chunk: string) => {
    for (const char of chunk) {
      if (inEscape) {
        // An escape sequence (a cursor key: ESC [ A) ends with a letter or "~".
        inEscape = !/[A-Za-z~]/.test(char);
      } else if (char === "\u001b") inEscape = true;
      else if (char === "\r" || char === "\n" || char === "\u0004") deliver({ line });
      else if (char === "\u0003") deliver({ cancelled: true });
      else if (char === "\u007f" || char === "\b") line = [...line].slice(0, -1).join("");
      else if (char === "\u0015") line = "";
      else if (char >= " ") line += char;
    }
  };
  const onEnd = () => deliver({ cancelled: true });
  input.setRawMode?.(true);
  input.setEncoding("utf8");
  input.on("data", onData);
  input.on("end", onEnd);
  input.resume();
  return {
    async next(prompt: string): Promise<string> {
      prompts.write(prompt);
      const key = ready.shift() ?? (await new Promise<Key>((resolve) => (waiting = resolve)));
      prompts.write("\n");
      if ("cancelled" in key) throw new CliError("cancelled");
      return key.line;
    },
    close() {
      input.off("data", onData);
      input.off("end", onEnd);
      input.setRawMode?.(false);
      input.pause();
    },
  };
}

async function readAll(input: AsyncIterable<Buffer | string>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString("utf8");
}
