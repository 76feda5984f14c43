/**
 * The flooding client of bench/reset-flood.ts, in a process of its own so that its event loop
 * does not delay the change_password measurement. FLOOD_LANES posts of one ticket at a time until
 * FLOOD_SECONDS have passed; prints the answers by status and the CPU it used as one JSON line.
 */
import { CSRF_COOKIE } from "../src/http/reset-page/security.ts";

const url = process.env.FLOOD_URL ?? "";
const ticket = process.env.FLOOD_TICKET ?? "";
const password = process.env.FLOOD_PASSWORD ?? "";
const rotateIps = process.env.FLOOD_ROTATE_IPS === "1";
const lanes = Number(process.env.FLOOD_LANES ?? 40);
const deadline = performance.now() + Number(process.env.FLOOD_SECONDS ?? 15) * 1000;
const REQUEST_TIMEOUT_MILLIS = 15_000;
// Any well-formed value passes the double-submit check when cookie and field agree.
const csrf = "F".repeat(43);

let ipSequence = 0;
function nextIp(): string {
  ipSequence += 1;
  return `198.19.${(ipSequence >> 8) & 255}.${ipSequence & 255}`;
}
const attackerIp = nextIp();
const body = new URLSearchParams({ ticket, csrf, password, confirmation: password }).toString();
const statuses: Record<string, number> = {};

async function lane(): Promise<void> {
  while (performance.now() < deadline) {
    let key: string;
    try {
      const response = await fetch(`${url}/lo/reset`, {
        method: "POST",
        redirect: "manual",
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MILLIS),
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          cookie: `${CSRF_COOKIE}=${csrf}`,
          "x-forwarded-for": rotateIps ? nextIp() : attackerIp,
        },
        body,
      });
      await response.arrayBuffer();
      key = String(response.status);
    } catch {
      key = "error";
    }
    statuses[key] = (statuses[key] ?? 0) + 1;
  }
}

const started = performance.now();
await Promise.all(Array.from({ length: lanes }, lane));
const { user, system } = process.cpuUsage();
const cores = (user + system) / 1000 / (performance.now() - started);
process.stdout.write(`${JSON.stringify({ statuses, cores: Number(cores.toFixed(2)) })}\n`);
