import type { ClientStore } from "../clients/ports.ts";
import type { Clock } from "../clock.ts";
import type { ConnectionStore } from "../users/ports.ts";

const CACHE_MILLIS = 30_000;

/**
 * Remembers found values for a while. Misses are not remembered, so a connection or client added
 * a moment ago is seen at once. A client removed with `passdesk clients remove` is still accepted
 * for up to CACHE_MILLIS (the README says so); connections are never renamed or deleted, and the
 * endpoint reads nothing of them that `connections set` changes.
 */
function cacheFound<V>(lookup: (key: string) => Promise<V | undefined>, clock: Clock) {
  const cache = new Map<string, { value: V; until: number }>();
  return async (key: string): Promise<V | undefined> => {
    const now = clock.now().getTime();
    const hit = cache.get(key);
    if (hit && hit.until > now) return hit.value;
    const value = await lookup(key);
    if (value !== undefined) {
      if (cache.size > 1_000) cache.clear();
      cache.set(key, { value, until: now + CACHE_MILLIS });
    }
    return value;
  };
}

/** The stores the public endpoint reads on every request, with connections and clients cached. */
export function withCachedLookups<
  S extends {
    connections: Pick<ConnectionStore, "findByName">;
    clients: Pick<ClientStore, "findByClientId">;
  },
>(stores: S, clock: Clock): S {
  return {
    ...stores,
    connections: {
      ...stores.connections,
      findByName: cacheFound((name) => stores.connections.findByName(name), clock),
    },
    clients: {
      ...stores.clients,
      findByClientId: cacheFound((id) => stores.clients.findByClientId(id), clock),
    },
  };
}
