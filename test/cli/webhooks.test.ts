import { describe, expect, it } from "vitest";
import { linesOf, setUpCliDatabase } from "../support/cli.ts";
import { backends } from "../support/database.ts";

describe.each(backends)("passdesk webhooks on %s", (backend) => {
  const { passdesk } = setUpCliDatabase(backend);

  it("add prints an id and a secret once; list shows the receiver and never the secret", async () => {
    const added = await passdesk(
      ...["webhooks", "add", "https://app.example.com/hooks/passdesk?token=abc"],
      ...["--events", "password.changed,user.blocked"],
    );
    expect(added.code).toBe(0);
    expect(added.stderr).toBe("");
    const [first, secretLine, note] = linesOf(added.stdout);
    const id = first?.match(
      /^added webhook (whk_[\w-]+) for password\.changed, user\.blocked$/,
    )?.[1];
    const secret = secretLine?.match(/^secret: (whsec_[\w-]{43})$/)?.[1];
    expect(id).toBeDefined();
    expect(secret).toBeDefined();
    expect(note).toMatch(/shown this once/);

    const list = await passdesk("webhooks", "list");
    expect(list).toMatchObject({ code: 0, stderr: "" });
    expect(linesOf(list.stdout)).toEqual([
      `${id}\thttps://app.example.com/hooks/passdesk?token=abc\tpassword.changed,user.blocked`,
    ]);
    expect(list.stdout).not.toContain(secret);

    const audit = await passdesk("audit", "tail");
    expect(audit.stdout).toContain("webhook.created");
    expect(audit.stdout).not.toContain(secret);
    expect(audit.stdout).not.toContain("token=abc");
  });

  it("add refuses an unknown event, a plain http URL off this machine, and a non-URL, in one line each", async () => {
    const unknown = await passdesk(
      ...[
        "webhooks",
        "add",
        "https://app.example.com/h",
        "--events",
        "password.changed,user.deleted",
      ],
    );
    expect(unknown).toEqual({
      code: 1,
      stdout: "",
      stderr:
        "passdesk: unknown event user.deleted: --events takes password.changed, user.blocked, user.unblocked, user.locked_out\n",
    });
    const http = await passdesk(
      "webhooks",
      "add",
      "http://app.example.com/h",
      "--events",
      "user.blocked",
    );
    expect(http).toEqual({
      code: 1,
      stdout: "",
      stderr: "passdesk: the webhook URL must be https (http only for localhost)\n",
    });
    const junk = await passdesk("webhooks", "add", "not a url", "--events", "user.blocked");
    expect(junk).toMatchObject({ code: 1, stderr: "passdesk: the webhook URL is not a URL\n" });
    const local = await passdesk(
      ...["webhooks", "add", "http://127.0.0.1:9/h", "--events", "user.locked_out"],
    );
    expect(local.code).toBe(0);
  });

  it("rotate-secret prints a new secret once; remove deletes the receiver; an unknown id is one line", async () => {
    const list = await passdesk("webhooks", "list");
    const ids = linesOf(list.stdout).map((line) => line.split("\t")[0] ?? "");
    const [id] = ids;
    if (!id) throw new Error("no webhook listed");
    const rotated = await passdesk("webhooks", "rotate-secret", id);
    expect(rotated.code).toBe(0);
    expect(linesOf(rotated.stdout)[0]).toMatch(/^secret: whsec_[\w-]{43}$/);

    expect(await passdesk("webhooks", "remove", id)).toEqual({
      code: 0,
      stdout: `removed webhook ${id}\n`,
      stderr: "",
    });
    expect(linesOf((await passdesk("webhooks", "list")).stdout)).toHaveLength(ids.length - 1);
    expect(await passdesk("webhooks", "remove", id)).toEqual({
      code: 1,
      stdout: "",
      stderr: `passdesk: no webhook with id ${id}\n`,
    });
  });
});
