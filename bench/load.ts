import autocannon from "autocannon";

export interface LoadResult {
  requestsPerSecond: number;
  latencyP50Millis: number;
  latencyP99Millis: number;
  latencyMaxMillis: number;
  ok: number;
  non2xx: number;
  errors: number;
  durationSeconds: number;
}

let sequence = 0;

/** A change_password body for an address no one has, and a client IP no one else used. */
function uniqueRequest(prefix: string) {
  sequence += 1;
  const n = sequence;
  return {
    body: JSON.stringify({
      email: `${prefix}-${n}@load.bench.example`,
      connection: "Username-Password-Authentication",
    }),
    ip: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`,
  };
}

/**
 * autocannon against POST /dbconnections/change_password, every request with a fresh email and
 * X-Forwarded-For (so per-email and per-IP rate limits never trigger, as with real traffic).
 */
export async function loadChangePassword(
  baseUrl: string,
  {
    connections,
    durationSeconds,
    prefix,
  }: { connections: number; durationSeconds: number; prefix: string },
): Promise<LoadResult> {
  const result = await autocannon({
    url: baseUrl,
    connections,
    duration: durationSeconds,
    timeout: 10,
    requests: [
      {
        method: "POST",
        path: "/dbconnections/change_password",
        setupRequest: (request) => {
          const { body, ip } = uniqueRequest(prefix);
          return {
            ...request,
            body,
            headers: { "content-type": "application/json", "x-forwarded-for": ip },
          };
        },
      },
    ],
  });
  return {
    requestsPerSecond: result.requests.average,
    latencyP50Millis: result.latency.p50,
    latencyP99Millis: result.latency.p99,
    latencyMaxMillis: result.latency.max,
    ok: result["2xx"],
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    durationSeconds: result.duration,
  };
}
