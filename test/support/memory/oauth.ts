import type {
  Api,
  ApiStore,
  RefreshToken,
  RefreshTokenStore,
  SigningKey,
  SigningKeyStore,
} from "../../../src/sign-in/ports.ts";
import { ConstraintError, copy, type MemoryDatabase } from "./database.ts";

/** ApiStore over an array, with src/db/api-store.ts's semantics. */
export function createMemoryApiStore(database: MemoryDatabase): ApiStore {
  const { tables } = database;
  const shown = ({ identifier, name }: Api): Api => ({ identifier, name });
  return {
    async findByIdentifier(identifier) {
      const row = tables.apis.find((api) => api.identifier === identifier);
      return row && shown(row);
    },
    async list() {
      return tables.apis.map(shown);
    },
    async add(api) {
      if (tables.apis.some((row) => row.identifier === api.identifier)) return undefined;
      tables.apis.push({ ...api });
      return shown(api);
    },
    async remove(identifier) {
      const row = tables.apis.find((api) => api.identifier === identifier);
      if (!row) return undefined;
      tables.apis = tables.apis.filter((api) => api !== row);
      return shown(row);
    },
  };
}

/** SigningKeyStore over an array, with src/db/signing-key-store.ts's semantics. */
export function createMemorySigningKeyStore(database: MemoryDatabase): SigningKeyStore {
  const { tables } = database;
  const isCurrent = (key: SigningKey) => key.rotatedAt === null && key.revokedAt === null;
  const newestFirst = () => [...tables.signingKeys].reverse();
  return {
    async current() {
      const row = tables.signingKeys.find(isCurrent);
      return row && copy(row);
    },
    async published(at) {
      return newestFirst()
        .filter(
          (key) =>
            key.revokedAt === null &&
            (key.rotatedAt === null || (key.publishedUntil !== null && key.publishedUntil > at)),
        )
        .map(copy);
    },
    async list() {
      return newestFirst().map(copy);
    },
    async addCurrent(key) {
      if (tables.signingKeys.some(isCurrent)) return undefined;
      const row = newKey(database, key);
      tables.signingKeys.push(row);
      return copy(row);
    },
    async rotate(next, at, publishedUntil) {
      const retired = tables.signingKeys.find(isCurrent);
      if (retired) Object.assign(retired, { rotatedAt: at, publishedUntil });
      tables.signingKeys.push(newKey(database, next));
      return retired && copy(retired);
    },
    async revoke(kid, at) {
      const row = tables.signingKeys.find((key) => key.kid === kid && key.revokedAt === null);
      if (!row) return undefined;
      row.revokedAt = at;
      return copy(row);
    },
  };
}

function newKey(
  database: MemoryDatabase,
  key: Pick<SigningKey, "kid" | "publicJwk" | "privateKeyEncrypted">,
): SigningKey {
  if (database.tables.signingKeys.some((row) => row.kid === key.kid)) {
    throw new ConstraintError(`duplicate kid ${key.kid}`);
  }
  return {
    ...key,
    createdAt: database.clock.now(),
    rotatedAt: null,
    publishedUntil: null,
    revokedAt: null,
  };
}

/** RefreshTokenStore over an array, with src/db/refresh-token-store.ts's semantics. */
export function createMemoryRefreshTokenStore(database: MemoryDatabase): RefreshTokenStore {
  const { tables } = database;
  const isLive = (token: RefreshToken) => token.usedAt === null && token.revokedAt === null;
  const shown = ({ tokenHash: _, ...token }: RefreshToken & { tokenHash: string }) => copy(token);
  const revokeWhere = (matches: (token: RefreshToken) => boolean, at: Date) => {
    const revoked = tables.refreshTokens.filter((token) => matches(token) && isLive(token));
    for (const token of revoked) token.revokedAt = at;
    return revoked.length;
  };
  return {
    async add(token) {
      if (tables.refreshTokens.some((row) => row.tokenHash === token.tokenHash)) {
        throw new ConstraintError("duplicate refresh token");
      }
      if (!tables.users.some((user) => user.id === token.userId)) {
        throw new ConstraintError(`no user ${token.userId}`);
      }
      const row = {
        ...token,
        id: database.nextId("refreshTokens"),
        createdAt: database.clock.now(),
        usedAt: null,
        revokedAt: null,
      };
      tables.refreshTokens.push(row);
      return shown(row);
    },
    async findByHash(tokenHash) {
      const row = tables.refreshTokens.find((token) => token.tokenHash === tokenHash);
      return row && shown(row);
    },
    async markUsed(id, at) {
      const row = tables.refreshTokens.find((token) => token.id === id);
      if (!row || !isLive(row)) return false;
      row.usedAt = at;
      return true;
    },
    async revokeFamily(familyId, _reason, at) {
      return revokeWhere((token) => token.familyId === familyId, at);
    },
    async revokeForUser(userId, _reason, at) {
      return revokeWhere((token) => token.userId === userId, at);
    },
  };
}
