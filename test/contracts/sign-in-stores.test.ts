import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Repository } from "../../src/db/stores.ts";
import { storeNewPassword } from "../../src/password-reset/new-password.ts";
import type { NewRefreshToken, NewSigningKey } from "../../src/sign-in/ports.ts";
import { openStores, storeBackends } from "../support/store-backends.ts";

const START = new Date("2026-02-01T00:00:00Z");
const minutes = (n: number) => new Date(START.getTime() + n * 60_000);

describe.each(storeBackends)("the sign-in stores' contract on %s", (backend) => {
  let repo: Repository;
  let close: () => Promise<void>;
  let serial = 0;

  beforeAll(async () => {
    ({ repo, close } = await openStores(backend));
  });
  afterAll(() => close?.());

  async function newUser() {
    const user = await repo.users.add(1, { email: `sign-in-${++serial}@example.com` });
    if (!user) throw new Error("could not add a user");
    return user;
  }
  const token = (userId: number, fields: Partial<NewRefreshToken> = {}): NewRefreshToken => ({
    tokenHash: `refresh-${++serial}`,
    familyId: `family-${serial}`,
    userId,
    clientId: "client",
    scope: "openid offline_access",
    audience: "https://passdesk.example.com/userinfo",
    expiresAt: minutes(60),
    ...fields,
  });
  const key = (): NewSigningKey => ({
    kid: `kid-${++serial}`,
    publicJwk: { kty: "RSA", kid: `kid-${serial}` },
    privateKeyEncrypted: "v1.sealed",
  });

  it("marks a refresh token used once, however many try at once", async () => {
    const user = await newUser();
    const added = await repo.refreshTokens.add(token(user.id));
    expect(await repo.refreshTokens.findByHash(`refresh-${serial}`)).toMatchObject({
      id: added.id,
      usedAt: null,
      revokedAt: null,
    });
    const marks = await Promise.all(
      Array.from({ length: 8 }, () => repo.refreshTokens.markUsed(added.id, minutes(1))),
    );
    expect(marks.filter(Boolean)).toHaveLength(1);
  });

  it("revokes a family's live tokens, and a user's, counting them", async () => {
    const user = await newUser();
    const other = await newUser();
    const first = await repo.refreshTokens.add(token(user.id, { familyId: "shared" }));
    await repo.refreshTokens.markUsed(first.id, minutes(1));
    await repo.refreshTokens.add(token(user.id, { familyId: "shared" }));
    await repo.refreshTokens.add(token(other.id, { familyId: "shared-other" }));
    expect(await repo.refreshTokens.revokeFamily("shared", "reuse", minutes(2))).toBe(1);
    expect(await repo.refreshTokens.revokeFamily("shared", "reuse", minutes(2))).toBe(0);
    await repo.refreshTokens.add(token(user.id));
    await repo.refreshTokens.add(token(user.id));
    expect(await repo.refreshTokens.revokeForUser(user.id, "blocked", minutes(3))).toBe(2);
    expect(await repo.refreshTokens.revokeForUser(other.id, "blocked", minutes(3))).toBe(1);
  });

  it("a password change revokes the user's refresh tokens and says how many", async () => {
    const user = await newUser();
    await repo.refreshTokens.add(token(user.id));
    await repo.refreshTokens.add(token(user.id));
    const effects = await repo.transaction((stores) =>
      storeNewPassword(stores, user, "new-hash", minutes(5), {
        connection: "Username-Password-Authentication",
        by: { type: "cli", id: "ops" },
      }),
    );
    expect(effects).toMatchObject({ logType: "scp", revokedRefreshTokens: 2 });
  });

  it("keeps one current signing key; a rotated one stays published until told", async () => {
    const first = key();
    const added = await repo.signingKeys.addCurrent(first);
    const current = added ?? (await repo.signingKeys.current());
    expect(await repo.signingKeys.addCurrent(key())).toBeUndefined();
    const next = key();
    const retired = await repo.signingKeys.rotate(next, minutes(1), minutes(61));
    expect(retired?.kid).toBe(current?.kid);
    expect((await repo.signingKeys.current())?.kid).toBe(next.kid);
    const publishedKids = async (at: Date) =>
      (await repo.signingKeys.published(at)).map((published) => published.kid);
    expect(await publishedKids(minutes(30))).toEqual([next.kid, current?.kid]);
    expect(await publishedKids(minutes(62))).toEqual([next.kid]);
    expect(await repo.signingKeys.revoke(current?.kid ?? "", minutes(2))).toMatchObject({
      revokedAt: minutes(2),
    });
    expect(await publishedKids(minutes(30))).toEqual([next.kid]);
    expect(await repo.signingKeys.revoke(current?.kid ?? "", minutes(3))).toBeUndefined();
  });

  it("keeps each API identifier once", async () => {
    const api = { identifier: `https://api-${++serial}.example.com`, name: "API" };
    expect(await repo.apis.add(api)).toEqual(api);
    expect(await repo.apis.add({ ...api, name: "again" })).toBeUndefined();
    expect(await repo.apis.findByIdentifier(api.identifier)).toEqual(api);
    expect(await repo.apis.remove(api.identifier)).toEqual(api);
    expect(await repo.apis.findByIdentifier(api.identifier)).toBeUndefined();
  });
});
