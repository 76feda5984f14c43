import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyAuditChain } from "../../../src/audit/chain.ts";
import { backends } from "../../support/database.ts";
import { type SlackPassdesk, startSlackPassdesk } from "../../support/slack-passdesk.ts";

const ANCHOR_TEXT = /passdesk audit verify --anchor (\d+):([0-9a-f]{64})/;

describe.each(backends)("the audit chain's anchor in the audit channel on %s", (backend) => {
  let slack: SlackPassdesk;

  beforeAll(async () => {
    slack = await startSlackPassdesk(backend, {
      async seed(repo) {
        for (const n of [1, 2, 3]) {
          await repo.audit.record({ actorType: "cli", action: "test.seeded", outcome: `${n}` });
        }
      },
      auditAnchorCheckMillis: 200,
    });
  });
  afterAll(async () => {
    await slack?.close();
  });

  it("posts the chain's head once per interval, and verify accepts it as an anchor", async () => {
    const posted = await slack.waitForAuditMessage(ANCHOR_TEXT);
    const [, seq, hash] = ANCHOR_TEXT.exec(String(posted.args.text)) ?? [];
    expect(Number(seq)).toBe(3);
    // Checked every 200 ms, anchored once a day: no second message.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(
      slack.auditMessages().filter((call) => ANCHOR_TEXT.test(String(call.args.text))),
    ).toHaveLength(1);
    const report = await slack.inspect((repo) =>
      verifyAuditChain(repo.auditChain, { anchor: { seq: Number(seq), hash: String(hash) } }),
    );
    expect(report.broken).toBeUndefined();
    // The anchor itself went into the chain, after the head it names.
    expect(report.head?.seq).toBe(4);
  });
});
