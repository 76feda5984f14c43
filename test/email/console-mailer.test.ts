import { Writable } from "node:stream";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { createConsoleMailer } from "../../src/email/console-mailer.ts";

function createCapturedLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString("utf8"));
      done();
    },
  });
  return {
    logger: pino({ level: "info" }, stream),
    entries: () => lines.map((line) => JSON.parse(line)),
  };
}

describe("createConsoleMailer", () => {
  it("logs the recipient, subject and text part with the link instead of sending", async () => {
    const { logger, entries } = createCapturedLogger();
    const mailer = createConsoleMailer(logger);

    const sent = await mailer.send({
      to: "jane.doe@example.com",
      from: "Passdesk <no-reply@passdesk.example>",
      subject: "Reset your Passdesk password",
      html: "<p>ignored</p>",
      text: "Choose a new password: https://passdesk.example/lo/reset?ticket=abc",
      ref: "msg_1",
    });

    expect(sent).toEqual({});
    expect(entries()).toMatchObject([
      {
        level: 30,
        msg: "email (console mailer: not sent)",
        to: "jane.doe@example.com",
        subject: "Reset your Passdesk password",
        text: expect.stringContaining("https://passdesk.example/lo/reset?ticket=abc"),
      },
    ]);
  });
});
