import { getConnInfo } from "@hono/node-server/conninfo";
import type { Context } from "hono";

/**
 * The client's address: the socket's, or — only when `trustedProxies` proxies stand in front of
 * Passdesk — the X-Forwarded-For entry that many hops from the right. Entries further left are
 * written by the client and cannot be trusted.
 */
export function resolveClientIp(
  socketAddress: string,
  forwardedFor: string | undefined,
  trustedProxies: number,
): string {
  if (trustedProxies === 0 || !forwardedFor) return socketAddress;
  const hops = forwardedFor
    .split(",")
    .map((hop) => hop.trim())
    .filter(Boolean);
  return hops[Math.max(0, hops.length - trustedProxies)] ?? socketAddress;
}

export function clientIp(c: Context, trustedProxies: number): string {
  let socketAddress = "unknown";
  try {
    socketAddress = getConnInfo(c).remote.address ?? "unknown";
  } catch {
    // In-process requests (tests through app.request) have no socket.
  }
  return resolveClientIp(socketAddress, c.req.header("x-forwarded-for"), trustedProxies);
}
