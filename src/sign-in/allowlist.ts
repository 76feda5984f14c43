import { BlockList, isIP } from "node:net";

/** Whether an IP is on a connection's allowlist: its attempts are never counted nor throttled. */
export type Allowlist = (ip: string) => boolean;

const built = new Map<string, Allowlist>();

/**
 * The allowlist of IPs and CIDRs (IPv4 and IPv6), built once per distinct list. An entry that is
 * neither is skipped: a typo must not stop sign-in.
 */
export function allowlistOf(entries: readonly string[]): Allowlist {
  const cacheKey = entries.join(",");
  const cached = built.get(cacheKey);
  if (cached) return cached;
  const list = new BlockList();
  for (const entry of entries) addEntry(list, entry.trim());
  const allowlist: Allowlist = (ip) => {
    const family = isIP(ip);
    if (family === 0) return false;
    return list.check(ip, family === 6 ? "ipv6" : "ipv4");
  };
  if (built.size > 1000) built.clear();
  built.set(cacheKey, allowlist);
  return allowlist;
}

function addEntry(list: BlockList, entry: string): void {
  const [address = "", prefixText] = entry.split("/");
  const family = isIP(address);
  if (family === 0) return;
  const type = family === 6 ? "ipv6" : "ipv4";
  if (prefixText === undefined) {
    list.addAddress(address, type);
    return;
  }
  const prefix = Number(prefixText);
  if (/^\d+$/.test(prefixText) && prefix <= (family === 6 ? 128 : 32))
    list.addSubnet(address, prefix, type);
}
