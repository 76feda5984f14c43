import type { FakeSendGrid } from "../../support/fake-sendgrid.ts";
import { DEFAULT_CONNECTION } from "../../support/reset-fixture.ts";
import { openResetForm } from "../../support/reset-page-client.ts";
import { waitFor } from "../../support/wait-for.ts";

/** POSTs Auth0's change_password for `email`; resolves with the status and body text. */
export async function postChangePassword(
  baseUrl: string,
  email: string,
  init: { headers?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<{ status: number; body: string }> {
  const response = await fetch(`${baseUrl}/dbconnections/change_password`, {
    method: "POST",
    headers: { "content-type": "application/json", ...init.headers },
    body: JSON.stringify({ email, connection: DEFAULT_CONNECTION }),
    ...(init.signal && { signal: init.signal }),
  });
  return { status: response.status, body: await response.text() };
}

/** The `/lo/reset?ticket=…` path and query in a reset email's text. */
export function resetLinkIn(text: string | undefined): string {
  const link = text?.match(/\/lo\/reset\?ticket=[A-Za-z0-9_-]+/)?.[0];
  if (!link) throw new Error("no reset link in the email");
  return link;
}

export type LinkState = "valid" | "used" | "revoked" | "expired" | "invalid";

const HEADINGS: Array<[RegExp, LinkState]> = [
  [/This ticket was already used\./, "used"],
  [/This link is no longer valid\./, "revoked"],
  [/This ticket was expired\./, "expired"],
  [/This link is invalid\./, "invalid"],
];

/** What the reset page says about a link when opened (a GET never consumes a ticket). */
export async function inspectLink(baseUrl: string, link: string): Promise<LinkState> {
  const response = await fetch(`${baseUrl}${link}`, { redirect: "manual" });
  const html = await response.text();
  if (response.status === 200 && html.includes('name="ticket"')) return "valid";
  for (const [heading, state] of HEADINGS) if (heading.test(html)) return state;
  throw new Error(`unexpected reset page: ${response.status} ${html.slice(0, 200)}`);
}

/**
 * Requests a reset for `address`, waits for the email and opens the reset form of the newest
 * link (the only one that works), for its CSRF cookie and token.
 */
export async function openNewestForm(sendgrid: FakeSendGrid, baseUrl: string, address: string) {
  const emails = () => sendgrid.sentEmails().filter((sent) => sent.to.includes(address));
  const earlier = emails().length;
  await postChangePassword(baseUrl, address);
  await waitFor(() => emails().length > earlier, 20_000, `a new email to ${address}`);
  for (const email of emails().reverse()) {
    const form = await openResetForm(`${baseUrl}${resetLinkIn(email.text)}`);
    if (form.csrf !== "") return form;
  }
  throw new Error(`no working reset link for ${address}`);
}
