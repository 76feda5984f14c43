import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  chainHash,
  describeChainBreak,
  formatAnchor,
  GENESIS_HASH,
  parseAnchor,
  verifyAuditChain,
} from "../../src/audit/chain.ts";
import type { AuditEntry } from "../../src/audit/ports.ts";
import type { DatabaseHandle } from "../../src/db/client.ts";
import { createRepository, type Repository } from "../../src/db/stores.ts";
import { backends, createTestDatabase, type TestDatabase } from "../support/database.ts";

const entry = (n: number, extra: Partial<AuditEntry> = {}): AuditEntry => ({
  actorType: "cli",
  actorId: "tester",
  action: "test.entry",
  outcome: "success",
  targetEmail: `user${n}@example.com`,
  details: { n, nested: { b: 2, a: [1, "x"] }, ä: "\u00e9" },
  ...extra,
});

describe("the audit chain's hash", () => {
  const content = {
    seq: 1,
    id: 7,
    at: new Date("2026-12-06T10:00:00.123Z"),
    actorType: "cli" as const,
    actorId: null,
    action: "a",
    outcome: "b",
    targetEmail: null,
    connection: null,
    requestId: null,
    details: { b: 1, a: 2 },
  };

  it("does not depend on the order of keys in details", () => {
    expect(chainHash(GENESIS_HASH, content)).toBe(
      chainHash(GENESIS_HASH, { ...content, details: { a: 2, b: 1 } }),
    );
  });

  it("changes with the previous hash, the position, the id and every field", () => {
    const base = chainHash(GENESIS_HASH, content);
    expect(chainHash("f".repeat(64), content)).not.toBe(base);
    for (const change of [
      { seq: 2 },
      { id: 8 },
      { at: new Date("2026-12-06T10:00:00.124Z") },
      { actorId: "x" },
      { action: "c" },
      { outcome: "c" },
      { targetEmail: "x@example.com" },
      { connection: "x" },
      { requestId: "x" },
      { details: { b: 1, a: 3 } },
    ]) {
      expect(chainHash(GENESIS_HASH, { ...content, ...change })).not.toBe(base);
    }
  });

  it("reads back an anchor it printed, and refuses anything else", () => {
    const head = { seq: 12, id: 40, at: new Date(), hash: "a".repeat(64) };
    expect(parseAnchor(formatAnchor(head))).toEqual({ seq: 12, hash: head.hash });
    expect(parseAnchor("12:xyz")).toBeUndefined();
    expect(parseAnchor(`-1:${"a".repeat(64)}`)).toBeUndefined();
  });
});

describe.each(backends)("the audit chain on %s", (backend) => {
  let database: TestDatabase;
  let handle: DatabaseHandle;
  let repo: Repository;

  beforeAll(async () => {
    database = await createTestDatabase(backend);
    ({ handle, repo } = await database.open());
  });
  afterAll(async () => {
    await handle?.close();
    await database?.drop();
  });
  beforeEach(async () => {
    await handle.query("delete from audit_log", []);
  });

  const exec = (text: string) => handle.query(text, []);
  const verify = (options?: Parameters<typeof verifyAuditChain>[1]) =>
    verifyAuditChain(repo.auditChain, { pageSize: 7, ...options });

  async function writeSome(count: number): Promise<void> {
    // Alone, in batches, and inside transactions (appended at the commit), interleaved.
    const writes: Array<Promise<unknown>> = [];
    for (let n = 0; n < count; n += 4) {
      writes.push(repo.audit.record(entry(n)));
      writes.push(repo.audit.recordAll([entry(n + 1), entry(n + 2)]));
      writes.push(
        repo.transaction(async (stores) => {
          await stores.audit.record(
            entry(n + 3, { connection: "Username-Password-Authentication" }),
          );
          await stores.users.findByEmail(1, "nobody@example.com");
        }),
      );
    }
    await Promise.all(writes);
  }

  it("chains every entry, written concurrently alone, in batches and in transactions", async () => {
    await writeSome(40);
    const report = await verify();
    expect(report.broken).toBeUndefined();
    expect(report.checked).toBe(40);
    expect(report.head?.seq).toBe(40);
    expect(await repo.auditChain.head()).toEqual(report.head);
  });

  it("hashes what the database stores: a lone surrogate, undefined details, dates, numbers", async () => {
    await repo.audit.record(
      entry(1, {
        targetEmail: "odd\ud800@example.com",
        details: {
          skipped: undefined,
          when: new Date(0),
          big: 1e21,
          tiny: 0.1,
          "\udc00": "\ud83d",
        },
      }),
    );
    await repo.transaction(async (stores) => {
      await stores.audit.record(entry(2, { actorId: null, details: undefined }));
    });
    const report = await verify();
    expect(report.broken).toBeUndefined();
    expect(report.checked).toBe(2);
  });

  it("links in the database as verify does: text beyond ASCII, JSON escapes, 300 in one append", async () => {
    const awkward = `zoë ß 漢字 👩‍💻 \u2028 \t\n\r\u0001 "q" \\ </script> שלום`;
    await repo.audit.record(
      entry(1, {
        actorId: `U${awkward}`,
        targetEmail: "zoë@exämple.com",
        details: { [awkward]: [awkward, { nested: awkward }], count: 12345678901 },
      }),
    );
    await repo.audit.recordAll(
      Array.from({ length: 300 }, (_, i) => entry(i + 2, { details: { i, text: awkward } })),
    );
    const report = await verify();
    expect(report.broken).toBeUndefined();
    expect(report.checked).toBe(301);
  });

  it("fails only the caller whose entry the database refuses, when records go together", async () => {
    const results = await Promise.allSettled([
      repo.audit.record(entry(1)),
      repo.audit.record(entry(2)),
      repo.audit.record(entry(3, { details: { bad: "nul \u0000 byte" } })),
      repo.audit.recordAll([entry(4), entry(5)]),
      repo.audit.record(entry(6)),
    ]);
    expect(results.map((result) => result.status)).toEqual([
      "fulfilled",
      "fulfilled",
      "rejected",
      "fulfilled",
      "fulfilled",
    ]);
    const report = await verify();
    expect(report.broken).toBeUndefined();
    expect(report.checked).toBe(5);
  });

  it("has no gap where a transaction rolled back", async () => {
    await repo.audit.record(entry(1));
    await expect(
      repo.transaction(async (stores) => {
        await stores.audit.record(entry(2));
        throw new Error("rolled back");
      }),
    ).rejects.toThrow("rolled back");
    await repo.audit.record(entry(3));
    const report = await verify();
    expect(report.broken).toBeUndefined();
    expect(report.checked).toBe(2);
  });

  it("reports an edited entry", async () => {
    await writeSome(20);
    const [row] = await exec("select id from audit_log where chain_seq = 9");
    await exec(
      `update audit_log set details = jsonb_set(details, '{n}', '99') where chain_seq = 9`,
    );
    const report = await verify();
    expect(report.broken).toEqual({ kind: "edited", seq: 9, id: Number(idOf(row)) });
    expect(describeChainBreak(report.broken as never)).toContain("edited");
  });

  it("reports a deleted entry, and where", async () => {
    await writeSome(20);
    const rows = await exec(
      "select id from audit_log where chain_seq in (10, 11, 12) order by chain_seq",
    );
    await exec("delete from audit_log where chain_seq = 11");
    const report = await verify();
    expect(report.broken).toEqual({
      kind: "deleted",
      seq: 11,
      afterId: Number(idOf(rows[0])),
      beforeId: Number(idOf(rows[2])),
    });
  });

  it("reports two entries swapped in the chain", async () => {
    await writeSome(20);
    await exec(`
      update audit_log set chain_seq = case chain_seq when 5 then -6 else -5 end
      where chain_seq in (5, 6)`);
    await exec("update audit_log set chain_seq = -chain_seq where chain_seq < 0");
    const report = await verify();
    expect(report.broken?.kind).toBe("reordered");
    expect(report.broken).toMatchObject({ seq: 6 });
  });

  it("reports two entries whose contents were swapped", async () => {
    await writeSome(20);
    await exec(`
      update audit_log a set target_email = b.target_email, details = b.details
      from audit_log b
      where (a.chain_seq, b.chain_seq) in ((3, 4), (4, 3))`);
    const report = await verify();
    expect(report.broken).toMatchObject({ kind: "edited", seq: 3 });
  });

  it("reports an entry written around the chain", async () => {
    await writeSome(8);
    await exec(
      "insert into audit_log (actor_type, action, outcome) values ('system', 'forged', 'success')",
    );
    const report = await verify();
    expect(report.broken?.kind).toBe("outside");
    await repo.audit.record(entry(9));
    expect((await verify()).broken?.kind).toBe("outside");
  });

  it("with an anchor, reports the newest entries deleted, or the chain rewritten", async () => {
    await writeSome(12);
    const head = await repo.auditChain.head();
    if (!head) throw new Error("no head");
    const anchor = parseAnchor(formatAnchor(head));
    expect((await verify({ anchor })).broken).toBeUndefined();
    await exec("delete from audit_log where chain_seq >= 11");
    // Without the anchor the shorter chain is self-consistent; with it, it is not.
    expect((await verify()).broken).toBeUndefined();
    expect((await verify({ anchor })).broken).toEqual({
      kind: "truncated",
      anchorSeq: 12,
      headSeq: 10,
    });
    expect((await verify({ anchor: { seq: 10, hash: "0".repeat(64) } })).broken).toMatchObject({
      kind: "anchor_mismatch",
      seq: 10,
    });
  });

  it("counts entries older than the chain and does not call them broken", async () => {
    await exec(
      "insert into audit_log (actor_type, action, outcome) values ('system', 'old', 'success'), ('system', 'old', 'success')",
    );
    await writeSome(4);
    const report = await verify();
    expect(report.broken).toBeUndefined();
    expect(report.beforeChain).toBe(2);
    expect(report.checked).toBe(4);
  });

  // PGlite serves one process; on PostgreSQL two pools stand for two instances.
  it.runIf(backend === "postgres")(
    "keeps one chain across two instances writing at once",
    async () => {
      const second = await database.open();
      const other = createRepository(second.handle);
      try {
        await Promise.all([
          writeSome(24),
          ...Array.from({ length: 24 }, (_, n) => other.audit.record(entry(100 + n))),
        ]);
      } finally {
        await second.handle.close();
      }
      const report = await verify();
      expect(report.broken).toBeUndefined();
      expect(report.checked).toBe(48);
    },
  );
});

function idOf(row: unknown): string {
  return String((row as { id: unknown }).id);
}
