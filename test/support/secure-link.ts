import type { Repository } from "../../src/db/stores.ts";
import type { OutgoingEmail } from "../../src/email/mailer.ts";
import { createOpaqueId } from "../../src/secret-tokens.ts";

/** Queues the password-changed notice for a user, as a password change with a notice does. */
export async function queuePasswordChangedNotice(
  repo: Repository,
  user: { id: number; email: string },
  at = new Date(),
): Promise<void> {
  await repo.outbox.enqueue(
    {
      messageRef: createOpaqueId("msg"),
      kind: "password_changed",
      requestId: null,
      userId: user.id,
      toAddress: user.email,
    },
    at,
  );
}

/** The notice's "Secure my account" link. */
export function secureLinkIn(email: OutgoingEmail | { text?: string | null }): string {
  const match = (email.text ?? "").match(/https?:\/\/\S+\/lo\/secure\?ticket=[A-Za-z0-9_-]+/);
  if (!match) throw new Error(`no secure link in: ${email.text}`);
  return match[0];
}

/** Opens the link's page and presses its button, as a browser would (cookie and form). */
export async function secureThroughPage(baseUrl: string, link: string): Promise<Response> {
  const token = new URL(link).searchParams.get("ticket") ?? "";
  const shown = await fetch(`${baseUrl}/lo/secure?ticket=${token}`);
  if (shown.status !== 200) throw new Error(`the confirmation answered ${shown.status}`);
  const html = await shown.text();
  const csrf = html.match(/name="csrf" value="([^"]+)"/)?.[1] ?? "";
  const cookie = shown.headers.get("set-cookie")?.split(";")[0] ?? "";
  return fetch(`${baseUrl}/lo/secure`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie },
    body: new URLSearchParams({ ticket: token, csrf }).toString(),
  });
}
