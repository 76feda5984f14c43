import { isIP } from "node:net";

/**
 * The address failures are counted and throttled under. IPv4 as it is (an IPv4-mapped IPv6
 * address too); IPv6 by its /64, as `2001:db8:1:2::/64` or `2001:db8::/64`: one subscriber usually holds a whole
 * /64, so counting each address apart would give an attacker 2^64 fresh counts. Anything else
 * (never from a socket) is kept as given.
 */
export function countedIpOf(ip: string): string {
  const family = isIP(ip);
  if (family !== 6) return ip;
  const groups = expandIpv6(ip.split("%")[0] ?? ip);
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    const [high = 0, low = 0] = groups.slice(6);
    return [high >> 8, high & 255, low >> 8, low & 255].join(".");
  }
  // RFC 5952's form: the zeros at the end of the prefix join the four of the interface id.
  const prefix = groups.slice(0, 4);
  while (prefix.at(-1) === 0) prefix.pop();
  return `${prefix.map((group) => group.toString(16)).join(":")}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (a dotted IPv4 tail becomes two groups). */
function expandIpv6(address: string): number[] {
  let text = address;
  const lastColon = text.lastIndexOf(":");
  const tail = text.slice(lastColon + 1);
  if (tail.includes(".")) {
    const [a = 0, b = 0, c = 0, d = 0] = tail.split(".").map(Number);
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = "", rest] = text.split("::");
  const parse = (part: string) =>
    part === "" ? [] : part.split(":").map((g) => Number.parseInt(g, 16));
  const left = parse(head);
  const right = rest === undefined ? [] : parse(rest);
  return [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
}
