/** Which configured token Slack refused. */
export type SlackTokenName = "SLACK_BOT_TOKEN" | "SLACK_APP_TOKEN";

export interface SlackIdentity {
  botId: string;
  botUserId: string;
}

/**
 * What Slack said of the tokens at start. `rejected` is definitive (retrying the same token
 * cannot help); `unreachable` is not (network, timeout, 5xx, 429, or Slack's own internal error).
 */
export type SlackTokenCheck =
  | { ok: true; identity: SlackIdentity }
  | { ok: false; reason: "rejected"; token: SlackTokenName; error: string }
  | { ok: false; reason: "unreachable"; detail: string };

export interface CheckSettings {
  botToken: string;
  /** Set in Socket Mode: checked with apps.connections.open, the call Socket Mode starts with. */
  appToken?: string | undefined;
  /** The Web API base, ending in "/". */
  apiUrl: string;
  timeoutMillis?: number;
}

// Slack's own trouble, not the token's: Slack's docs list these as "try again".
const TRANSIENT_ERRORS = new Set([
  "internal_error",
  "fatal_error",
  "service_unavailable",
  "request_timeout",
  "ratelimited",
]);

/**
 * Whether Slack's `error` code refuses the token for good (invalid_auth, not_authed,
 * token_revoked, token_expired, account_inactive, missing_scope, …): any code but Slack's own
 * transient ones.
 */
export function isDefinitiveSlackError(error: string): boolean {
  return !TRANSIENT_ERRORS.has(error);
}

/**
 * auth.test with the bot token, then (Socket Mode) apps.connections.open with the app token. One
 * attempt each, no retries: the caller decides what to do with an unreachable Slack. Only the
 * method, the HTTP status, Slack's error code or the network error code are kept: never a token.
 */
export async function checkSlackTokens(settings: CheckSettings): Promise<SlackTokenCheck> {
  const timeoutMillis = settings.timeoutMillis ?? 5_000;
  const bot = await callSlack(settings.apiUrl, "auth.test", settings.botToken, timeoutMillis);
  if (!bot.ok) return bot.definitive ? rejected("SLACK_BOT_TOKEN", bot.detail) : unreachable(bot);
  const identity = {
    botId: String(bot.body.bot_id ?? ""),
    botUserId: String(bot.body.user_id ?? ""),
  };
  if (!settings.appToken) return { ok: true, identity };
  const app = await callSlack(
    settings.apiUrl,
    "apps.connections.open",
    settings.appToken,
    timeoutMillis,
  );
  if (!app.ok) return app.definitive ? rejected("SLACK_APP_TOKEN", app.detail) : unreachable(app);
  return { ok: true, identity };
}

function rejected(token: SlackTokenName, error: string): SlackTokenCheck {
  return { ok: false, reason: "rejected", token, error };
}

function unreachable(failure: { method: string; detail: string }): SlackTokenCheck {
  return { ok: false, reason: "unreachable", detail: `${failure.method}: ${failure.detail}` };
}

type CallResult =
  | { ok: true; body: Record<string, unknown> }
  | { ok: false; definitive: boolean; method: string; detail: string };

// Most often a pooled keep-alive connection the other side had just closed: both calls are safe
// to repeat, so one more attempt on a new connection comes before anything is concluded.
const STALE_CONNECTION = new Set(["ECONNRESET", "UND_ERR_SOCKET", "EPIPE"]);

async function callSlack(
  apiUrl: string,
  method: string,
  token: string,
  timeoutMillis: number,
): Promise<CallResult> {
  const first = await callSlackOnce(apiUrl, method, token, timeoutMillis);
  if (first.ok || !STALE_CONNECTION.has(first.detail)) return first;
  return callSlackOnce(apiUrl, method, token, timeoutMillis);
}

async function callSlackOnce(
  apiUrl: string,
  method: string,
  token: string,
  timeoutMillis: number,
): Promise<CallResult> {
  let response: Response;
  try {
    response = await fetch(`${apiUrl}${method}`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${token}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: "",
      signal: AbortSignal.timeout(timeoutMillis),
    });
  } catch (error) {
    return {
      ok: false,
      definitive: false,
      method,
      detail: describeNetworkError(error, timeoutMillis),
    };
  }
  if (!response.ok) {
    await response.body?.cancel();
    return { ok: false, definitive: false, method, detail: `HTTP ${response.status}` };
  }
  const body = (await response.json().catch(() => undefined)) as
    | Record<string, unknown>
    | undefined;
  if (!body) return { ok: false, definitive: false, method, detail: "an answer that is not JSON" };
  if (body.ok === true) return { ok: true, body };
  const error = typeof body.error === "string" ? body.error.replace(/[^\w.-]/g, "") : "unknown";
  return { ok: false, definitive: isDefinitiveSlackError(error), method, detail: error };
}

function describeNetworkError(error: unknown, timeoutMillis: number): string {
  const name = (error as Error).name;
  if (name === "TimeoutError" || name === "AbortError")
    return `no answer within ${timeoutMillis / 1000} s`;
  // The token travels in a header: neither the URL nor these messages can hold it.
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? name ?? "network error";
}
