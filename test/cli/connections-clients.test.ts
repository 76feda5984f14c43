import { describe, expect, it } from "vitest";
import { linesOf, setUpCliDatabase } from "../support/cli.ts";
import { backends } from "../support/database.ts";

describe.each(backends)("passdesk migrate, connections and clients on %s", (backend) => {
  const { passdesk } = setUpCliDatabase(backend);

  it("migrate prepares a new database and says it is up to date", async () => {
    const result = await passdesk("migrate");
    expect(result).toEqual({ code: 0, stdout: "database is up to date\n", stderr: "" });
  });

  it("connections list shows the default database connection and its policy", async () => {
    const result = await passdesk("connections", "list");
    expect(result.code).toBe(0);
    expect(linesOf(result.stdout)).toEqual([
      "Username-Password-Authentication\tstrategy=database level=none min-length=15 history=5 dictionary=on personal-info=on signup=closed",
    ]);
  });

  it("connections add creates a social connection and a database connection with its own policy", async () => {
    const google = await passdesk("connections", "add", "google", "--strategy", "google-oauth2");
    expect(google).toEqual({
      code: 0,
      stdout: "added connection google (strategy google-oauth2)\n",
      stderr: "",
    });
    const staff = await passdesk(
      ...["connections", "add", "Staff", "--strategy", "database", "--level", "excellent"],
      ...["--min-length", "16", "--history", "24", "--no-dictionary", "--no-personal-info"],
    );
    expect(staff.code).toBe(0);

    const list = await passdesk("connections", "list");
    expect(linesOf(list.stdout)).toEqual([
      expect.stringMatching(/^Username-Password-Authentication\t/),
      "google\tstrategy=google-oauth2",
      "Staff\tstrategy=database level=excellent min-length=16 history=24 dictionary=off personal-info=off signup=closed",
    ]);
  });

  it("connections add refuses a name that is taken", async () => {
    const result = await passdesk("connections", "add", "google", "--strategy", "samlp");
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(linesOf(result.stderr)).toEqual([
      'passdesk: a connection named "google" already exists',
    ]);
  });

  it.each([
    [
      ["--level", "strong"],
      '--level must be one of none, low, fair, good, excellent, got "strong"',
    ],
    [["--min-length", "0"], '--min-length must be a whole number from 1 to 128, got "0"'],
    [["--history", "25"], '--history must be a whole number from 0 to 24, got "25"'],
  ])("connections add refuses %j with one line", async (options, message) => {
    const result = await passdesk(
      "connections",
      "add",
      "Other",
      "--strategy",
      "database",
      ...options,
    );
    expect(result.code).toBe(1);
    expect(linesOf(result.stderr)).toEqual([`passdesk: ${message}`]);
  });

  it("clients add prints the new client_id on a line of its own, and clients list shows it", async () => {
    const added = await passdesk(
      ...["clients", "add", "My App", "--origin", "https://app.example.com"],
      ...["--origin", "http://localhost:5173/"],
    );
    expect(added.code).toBe(0);
    expect(added.stderr).toBe("");
    const idLine = linesOf(added.stdout).find((line) => line.startsWith("client_id: "));
    expect(idLine).toMatch(/^client_id: [A-Za-z0-9]{32}$/);
    const clientId = idLine?.slice("client_id: ".length);

    const list = await passdesk("clients", "list");
    expect(list.code).toBe(0);
    expect(linesOf(list.stdout)).toEqual([
      `${clientId}\tMy App\tpublic\thttps://app.example.com http://localhost:5173`,
    ]);
  });

  it("clients add --confidential prints the secret once and stores only its hash", async () => {
    const added = await passdesk("clients", "add", "Server", "--confidential");
    expect(added.code).toBe(0);
    const fields = linesOf(added.stdout);
    const secret = fields.find((line) => line.startsWith("client_secret: "))?.slice(15) ?? "";
    expect(secret).toMatch(/^[\w-]{43}$/);
    const list = await passdesk("clients", "list");
    expect(list.stdout).toContain("\tServer\tconfidential\t(no web origins)");
    expect(list.stdout).not.toContain(secret);
    const audit = await passdesk("audit", "tail", "-n", "1");
    expect(audit.stdout).toContain('"confidential":true');
    expect(audit.stdout).not.toContain(secret);
    expect(audit.stdout).not.toContain("secretHash");
  });

  it("apis add registers an audience once; list and remove", async () => {
    const added = await passdesk("apis", "add", "https://api.example.com", "--name", "Orders");
    expect(added).toEqual({
      code: 0,
      stdout: "added API Orders (audience https://api.example.com)\n",
      stderr: "",
    });
    const again = await passdesk("apis", "add", "https://api.example.com");
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(
      "passdesk: an API with identifier https://api.example.com already exists\n",
    );
    expect((await passdesk("apis", "list")).stdout).toBe("https://api.example.com\tOrders\n");
    expect((await passdesk("apis", "remove", "https://api.example.com")).code).toBe(0);
    expect((await passdesk("apis", "list")).stdout).toBe("");
  });

  it("keys rotate makes a new current key, keeps the previous published, and revokes on demand", async () => {
    expect((await passdesk("keys", "list")).stdout).toBe(
      "no signing keys yet: the server makes one when it starts\n",
    );
    const first = await passdesk("keys", "rotate");
    expect(first.code).toBe(0);
    const firstKid = linesOf(first.stdout)[0]?.replace("current key: ", "") ?? "";
    const second = await passdesk("keys", "rotate");
    expect(linesOf(second.stdout)[1]).toMatch(
      new RegExp(`^previous key ${firstKid}: previous, published until \\d{4}-`),
    );
    const secondKid = linesOf(second.stdout)[0]?.replace("current key: ", "") ?? "";
    const refused = await passdesk("keys", "revoke", secondKid);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("is the current key");
    expect((await passdesk("keys", "revoke", firstKid)).stdout).toBe(`revoked key ${firstKid}\n`);
    const list = linesOf((await passdesk("keys", "list")).stdout);
    expect(list.map((line) => line.split("\t")[2]?.split(" ")[0])).toEqual(["current", "revoked"]);
    expect((await passdesk("keys", "revoke", "nope")).stderr).toBe(
      "passdesk: no unrevoked signing key nope\n",
    );
  });

  it("clients add refuses an origin with a path", async () => {
    const result = await passdesk("clients", "add", "Bad", "--origin", "https://app.example.com/x");
    expect(result.code).toBe(1);
    expect(linesOf(result.stderr)).toEqual([
      'passdesk: --origin must be a bare http(s) origin without a path, got "https://app.example.com/x"',
    ]);
  });
});
