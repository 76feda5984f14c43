import { describe, expect, it } from "vitest";
import { linesOf, setUpCliDatabase } from "../support/cli.ts";
import { backends } from "../support/database.ts";

const CONNECTION = "Username-Password-Authentication";

describe.each(backends)("passdesk connections brute-force on %s", (backend) => {
  const { passdesk } = setUpCliDatabase(backend);

  it("shows the settings, changes only the options given, and audits the change", async () => {
    expect(await passdesk("connections", "brute-force", CONNECTION)).toEqual({
      code: 0,
      stdout: `${CONNECTION}: protection=on max-attempts=10 mode=count_per_identifier_and_ip shields=block,user_notification allowlist=none\n`,
      stderr: "",
    });
    const changed = await passdesk(
      ...["connections", "brute-force", CONNECTION, "--max-attempts", "5"],
      ...["--allowlist", "10.0.0.0/8,2001:db8::/32", "--shields", "block"],
    );
    expect(changed.stdout).toBe(
      `changed ${CONNECTION}: protection=on max-attempts=5 mode=count_per_identifier_and_ip shields=block allowlist=10.0.0.0/8,2001:db8::/32\n`,
    );
    const [audited] = linesOf((await passdesk("audit", "tail", "-n", "1")).stdout);
    expect(audited).toMatch(
      // jsonb orders keys by length: "to" before "from".
      /\bconnection\.brute_force_changed\s+success\s.*"maxAttempts":\{"to":5,"from":10\}/,
    );
  });

  it("refuses bad values, naming each, and changes nothing", async () => {
    const refused = await passdesk(
      ...["connections", "brute-force", CONNECTION, "--mode", "per_ip", "--allowlist", "nope"],
    );
    expect(refused.code).toBe(1);
    expect(linesOf(refused.stderr)).toEqual([
      "passdesk: mode must be one of count_per_identifier_and_ip, count_per_identifier; not an IP address or CIDR: nope",
    ]);
    const shown = await passdesk("connections", "brute-force", CONNECTION);
    expect(shown.stdout).toContain("max-attempts=5");
  });
});
