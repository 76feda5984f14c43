import type { RecentRequest } from "../../password-reset/ports.ts";
import { escapeMrkdwn, type KnownBlock, mrkdwn, plainText } from "../block-kit.ts";

const OUTCOMES: Record<string, string> = {
  pending: "being processed",
  unknown_user: "no such user: nothing sent",
  blocked: "user blocked: nothing sent",
  not_database_connection: "social/enterprise connection: nothing sent",
  connection_not_found: "unknown connection",
  template_disabled: "template disabled: nothing sent",
  recipient_limited: "too many emails to this user: nothing sent",
};

const DELIVERY: Record<string, string> = {
  processed: ":outbox_tray: accepted by SendGrid",
  deferred: ":hourglass: deferred",
  delivered: ":white_check_mark: delivered",
  bounce: ":x: bounced",
  dropped: ":x: dropped",
};

const EMAIL: Record<string, string> = {
  pending: ":hourglass: queued",
  sending: ":hourglass: sending",
  sent: ":outbox_tray: sent",
  failed: ":x: not sent (provider error)",
};

/** Where a request stands, from the requester's point of view. */
export function describeRequestStatus(request: RecentRequest): string {
  if (request.status !== "queued") return OUTCOMES[request.status] ?? escapeMrkdwn(request.status);
  if (request.deliveryStatus)
    return DELIVERY[request.deliveryStatus] ?? escapeMrkdwn(request.deliveryStatus);
  return request.emailStatus
    ? (EMAIL[request.emailStatus] ?? escapeMrkdwn(request.emailStatus))
    : ":hourglass: queued";
}

/** The App Home list of the viewer's own recent `/reset-password` requests and their status. */
export function buildRecentRequestsSection(requests: RecentRequest[]): KnownBlock[] {
  const header: KnownBlock = { type: "header", text: plainText("Your recent reset requests") };
  if (requests.length === 0) {
    return [
      header,
      { type: "context", elements: [mrkdwn("None yet. Use `/reset-password <email | @user>`.")] },
    ];
  }
  const lines = requests.map((request) => {
    const when = `<!date^${Math.floor(request.createdAt.getTime() / 1000)}^{date_short_pretty} {time}|${request.createdAt.toISOString()}>`;
    return `• *${escapeMrkdwn(request.email)}* (${escapeMrkdwn(request.connection)}) — ${describeRequestStatus(request)} — ${when}`;
  });
  return [header, { type: "section", text: mrkdwn(lines.join("\n").slice(0, 2900)) }];
}
