import type { ServerProcess } from "../../support/server-process.ts";

export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/** The JSON log lines a spawned Passdesk wrote to stdout so far (its logs are pino JSON). */
export function logLines(server: ServerProcess): LogLine[] {
  const lines: LogLine[] = [];
  for (const text of server.output().stdout.split("\n")) {
    if (!text.startsWith("{")) continue;
    try {
      lines.push(JSON.parse(text) as LogLine);
    } catch {
      // A line cut short by SIGKILL.
    }
  }
  return lines;
}

/** Per message_ref, how many sends failed in a way that leaves delivery unknown (no answer). */
export function unknownOutcomesByRef(lines: LogLine[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of lines) {
    if (line.msg !== "email send failed; will retry") continue;
    // "SendGrid answered 5xx/429" is a definite refusal; anything else (timeout, reset) is not.
    if (String(line.reason).startsWith("SendGrid answered")) continue;
    const ref = String(line.messageRef);
    counts.set(ref, (counts.get(ref) ?? 0) + 1);
  }
  return counts;
}
