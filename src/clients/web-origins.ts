import type { Clock } from "../clock.ts";
import type { ClientStore } from "./ports.ts";

const CACHE_MILLIS = 10_000;

/**
 * Whether a browser origin is one a registered client lists (`passdesk clients add --origin`).
 * The list is re-read every 10 s: it is asked on every cross-origin request, and a new origin
 * need not be seen at once.
 */
export function createWebOriginCheck(
  clients: Pick<ClientStore, "list">,
  clock: Clock,
): (origin: string) => Promise<boolean> {
  let cached: { origins: Set<string>; until: number } | undefined;
  return async (origin) => {
    const now = clock.now().getTime();
    if (!cached || cached.until < now) {
      const listed = await clients.list();
      cached = {
        origins: new Set(listed.flatMap((client) => client.webOrigins)),
        until: now + CACHE_MILLIS,
      };
    }
    return cached.origins.has(origin);
  };
}
