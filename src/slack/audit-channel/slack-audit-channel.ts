import type { webApi } from "@slack/bolt";
import type { AuditChannel } from "../../audit/ports.ts";
import { toAuditMessage } from "./audit-record-message.ts";

/** The audit channel as a Slack channel: each row becomes one message there. */
export function createSlackAuditChannel(
  client: Pick<webApi.WebClient, "chat">,
  channel: string,
): AuditChannel {
  return {
    async post(record) {
      const result = await client.chat.postMessage({ channel, ...toAuditMessage(record) });
      return { channel, ts: result.ts ?? "" };
    },
  };
}
