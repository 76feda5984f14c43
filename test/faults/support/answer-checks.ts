import { expect } from "vitest";
import { SUCCESS_MESSAGE } from "../../../src/http/change-password/route.ts";
import type { RawAnswer } from "./raw-post.ts";

export type Endpoint = "change_password" | "signup" | "oauth_token" | "reset_page" | "slack_events";

export async function answerOf(response: Response): Promise<RawAnswer> {
  const contentType = response.headers.get("content-type") ?? "";
  return { status: response.status, contentType, text: await response.text() };
}

/** Assertions on what each public endpoint may answer, tallying every status they check. */
export function createAnswerChecks() {
  const statuses: Record<Endpoint, Record<number, number>> = {
    change_password: {},
    signup: {},
    oauth_token: {},
    reset_page: {},
    slack_events: {},
  };
  const count = (endpoint: Endpoint, status: number) => {
    statuses[endpoint][status] = (statuses[endpoint][status] ?? 0) + 1;
  };
  return {
    /** Auth0's answers: the success text, or `{error, error_description}` JSON — never a 5xx. */
    expectApiAnswer({ status, contentType, text }: RawAnswer): void {
      count("change_password", status);
      expect(status, text).toBeLessThan(500);
      if (status === 200) return void expect(text).toBe(SUCCESS_MESSAGE);
      expect(contentType).toMatch(/^application\/json/);
      const body = JSON.parse(text) as Record<string, unknown>;
      expect(Object.keys(body).sort()).toEqual(["error", "error_description"]);
      expect(typeof body.error).toBe("string");
      expect(typeof body.error_description).toBe("string");
    },
    /**
     * Signup's answers: the new user, or one of Auth0's error shapes — `{error,
     * error_description}`, `{name, code, description, statusCode}`, or the closed signup's
     * `{error}` — never a 5xx.
     */
    expectSignUpAnswer({ status, contentType, text }: RawAnswer): void {
      count("signup", status);
      expect(status, text).toBeLessThan(500);
      expect(contentType).toMatch(/^application\/json/);
      const body = JSON.parse(text) as Record<string, unknown>;
      if (status === 200) {
        expect(body).toMatchObject({ _id: expect.any(String), email_verified: false });
        return;
      }
      const keys = Object.keys(body).sort().join();
      if (keys === "error,error_description" || keys === "error") {
        expect(typeof body.error).toBe("string");
        return;
      }
      expect(body).toMatchObject({ code: expect.any(String), statusCode: status });
    },
    /**
     * The token endpoint's answers: tokens, or `{error, error_description}` JSON — never a 5xx;
     * a revocation's 200 is empty.
     */
    expectTokenAnswer({ status, contentType, text }: RawAnswer): void {
      count("oauth_token", status);
      expect(status, text).toBeLessThan(500);
      if (status === 200 && text === "") return;
      expect(contentType).toMatch(/^application\/json/);
      const body = JSON.parse(text) as Record<string, unknown>;
      if (status === 200) {
        expect(body).toMatchObject({ access_token: expect.any(String), token_type: "Bearer" });
        return;
      }
      expect(Object.keys(body).sort()).toEqual(["error", "error_description"]);
    },
    /** The reset page answers with an HTML page (or a redirect to a result URL), never a 5xx. */
    expectPageAnswer({ status, contentType }: RawAnswer): void {
      count("reset_page", status);
      expect(status).toBeLessThan(500);
      if (status !== 302) expect(contentType).toMatch(/text\/html/);
    },
    /** Slack's endpoint never fails; an unsigned request gets no further than the check. */
    expectSlackAnswer({ status }: RawAnswer, signed: boolean): void {
      count("slack_events", status);
      expect(status).toBeLessThan(500);
      if (!signed) expect([200, 400, 401, 413]).toContain(status);
    },
    summary() {
      const all = Object.values(statuses).flatMap((byStatus) => Object.entries(byStatus));
      return {
        requests: Object.fromEntries(
          Object.entries(statuses).map(([endpoint, byStatus]) => [
            endpoint,
            Object.values(byStatus).reduce((sum, n) => sum + n, 0),
          ]),
        ),
        statuses,
        answered5xx: all
          .filter(([status]) => Number(status) >= 500)
          .reduce((sum, [, n]) => sum + n, 0),
      };
    },
  };
}
