import { type HtmlValue, html, raw, type SafeHtml } from "./html.ts";
import { ICON_SPRITE } from "./icons.ts";
import { STYLES } from "./styles.ts";

/** What every page needs: the response's CSP nonce and the organisation's names for itself. */
export interface PageContext {
  nonce: string;
  friendlyName: string;
  supportEmail?: string;
  supportUrl?: string;
}

interface DocumentParts {
  title: string;
  body: SafeHtml;
  /** A constant of ours, run with the page's nonce. */
  script?: string;
}

/**
 * A complete page. Everything is inline and nonce-tagged so that a CSP of `default-src 'none'`
 * holds; the `data:` icon stops browsers from asking the server for /favicon.ico.
 */
export function renderDocument(context: PageContext, parts: DocumentParts): string {
  const nonce = context.nonce;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${parts.title} · ${context.friendlyName}</title>
<link rel="icon" href="data:,">
<style nonce="${nonce}">${raw(STYLES)}</style>
</head>
<body>
${ICON_SPRITE}
<header class="brand"><p>${context.friendlyName}</p></header>
<main class="card">
${parts.body}
</main>
${parts.script && html`<script nonce="${nonce}">${raw(parts.script)}</script>`}
</body>
</html>
`.toString();
}

/** "If you need help, contact …" with whichever of the support email and URL are configured. */
export function renderSupportContact(context: PageContext): SafeHtml {
  const channels: HtmlValue[] = [];
  if (context.supportEmail) {
    channels.push(html`<a href="mailto:${context.supportEmail}">${context.supportEmail}</a>`);
  }
  const supportUrl = toHttpUrl(context.supportUrl);
  if (supportUrl) channels.push(html`<a href="${supportUrl}">${supportUrl}</a>`);
  if (channels.length === 0) return html``;
  const joined = channels.length === 2 ? html`${channels[0]} or ${channels[1]}` : channels[0];
  return html`<p>If you need help, contact ${context.friendlyName} support at ${joined}.</p>`;
}

// Escaping does not stop a `javascript:` URL; only web links become hrefs.
function toHttpUrl(value: string | undefined): string | undefined {
  if (!value || !URL.canParse(value)) return undefined;
  const url = new URL(value);
  return url.protocol === "https:" || url.protocol === "http:" ? url.toString() : undefined;
}
