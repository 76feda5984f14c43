/**
 * A POST the receiver did not accept (a webhook, an audit stream batch). `reason` is short and safe to store and log: a status
 * code or the kind of network failure, never the URL, a header or the receiver's answer.
 */
export class PostRefusedError extends Error {
  constructor(
    readonly reason: string,
    /** The receiver's Retry-After, in seconds, when it gave one. */
    readonly retryAfterSeconds?: number,
  ) {
    super(`not accepted: ${reason}`);
    this.name = "PostRefusedError";
  }
}

/**
 * POSTs `body` with fetch, for webhooks and the audit stream: no redirect is followed (a
 * receiver that moved is re-added by hand, and a redirect must not carry the signed body
 * elsewhere), the answer's body is never read, and the whole exchange is bounded by
 * `timeoutMillis`. Resolves on 2xx; throws PostRefusedError otherwise.
 */
export async function postBody(request: {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMillis: number;
}): Promise<void> {
  let response: Response;
  try {
    response = await fetch(request.url, {
      method: "POST",
      headers: request.headers,
      body: request.body,
      redirect: "error",
      signal: AbortSignal.timeout(request.timeoutMillis),
    });
  } catch (error) {
    throw new PostRefusedError(describeNetworkFailure(error, request.timeoutMillis));
  }
  await response.body?.cancel().catch(() => {});
  if (response.status >= 200 && response.status < 300) return;
  throw new PostRefusedError(`HTTP ${response.status}`, retryAfterOf(response.headers));
}

function describeNetworkFailure(error: unknown, timeoutMillis: number): string {
  if (error instanceof DOMException && error.name === "TimeoutError") {
    return `no answer within ${timeoutMillis} ms`;
  }
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  if (typeof cause?.code === "string" && /^[A-Z_]+$/.test(cause.code))
    return `network error (${cause.code})`;
  if (typeof cause?.message === "string" && /redirect/i.test(cause.message))
    return "redirect refused";
  return "network error";
}

/** Retry-After in seconds (the date form is rare for such receivers and is ignored). */
function retryAfterOf(headers: Headers): number | undefined {
  const value = headers.get("retry-after")?.trim();
  return value && /^\d{1,6}$/.test(value) ? Number(value) : undefined;
}
