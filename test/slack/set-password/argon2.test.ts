import argon2 from "argon2";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { users } from "../../../src/db/schema.ts";
import { SET_PASSWORD_BLOCKS } from "../../../src/slack/contract.ts";
import { HASHER_BUSY_MESSAGE } from "../../../src/slack/set-password/submission.ts";
import { type CountingHasher, createCountingHasher } from "../../support/counting-hasher.ts";
import { backends } from "../../support/database.ts";
import { createTestUser } from "../../support/reset-fixture.ts";
import { type SlackPassdesk, startSlackPassdesk } from "../../support/slack-passdesk.ts";
import type { StateValues } from "../../support/slack-requests.ts";
import {
  type OpenedView,
  openSetPasswordModal,
  submitSetPassword,
  typedPasswordState,
} from "../../support/slack-views.ts";

const OLD_PASSWORD = "correct horse battery staple";
const NEW_PASSWORD = "violet lanterns drift upstream";

// One Argon2 operation at a time and no queue: while one is held at the counting hasher's gate,
// the next is refused, deterministically.
describe.each(backends)("/set-password's Argon2 work on %s", (backend) => {
  let slack: SlackPassdesk;
  let hasher: CountingHasher;

  beforeAll(async () => {
    hasher = createCountingHasher();
    slack = await startSlackPassdesk(backend, {
      env: { ARGON2_MAX_IN_FLIGHT: "1", ARGON2_MAX_QUEUED: "0" },
      hasher,
      async seed(repo) {
        for (const email of ["weak@example.com", "holder@example.com", "busy@example.com"]) {
          await createTestUser(repo, email, { password: OLD_PASSWORD });
        }
      },
    });
  });
  afterAll(async () => {
    await slack?.close();
  });
  beforeEach(() => slack.fake.reset());

  const submit = (view: OpenedView, values: StateValues) => submitSetPassword(slack, view, values);

  it("refuses a short or mismatched password with no Argon2 work, saying reuse was not checked", async () => {
    const view = await openSetPasswordModal(slack, "weak@example.com");
    const before = hasher.total();

    const short = await submit(view, typedPasswordState("short"));
    const mismatched = await submit(view, typedPasswordState(NEW_PASSWORD, `${NEW_PASSWORD}!`));

    expect(hasher.total() - before).toBe(0);
    expect(short.body).toEqual({
      response_action: "errors",
      errors: {
        [SET_PASSWORD_BLOCKS.password]: expect.stringMatching(
          /^Too short .* Reuse is not checked yet\.$/,
        ),
      },
    });
    expect(mismatched.body).toEqual({
      response_action: "errors",
      errors: {
        [SET_PASSWORD_BLOCKS.confirmation]:
          "Does not match the new password. Reuse of a recent password is checked once they match.",
      },
    });
  });

  it("answers a submit while Argon2 is busy with a busy error and changes nothing", async () => {
    const holderView = await openSetPasswordModal(slack, "holder@example.com");
    const busyView = await openSetPasswordModal(slack, "busy@example.com");
    hasher.close();
    const holding = submit(holderView, typedPasswordState(NEW_PASSWORD));
    await hasher.held();

    const busy = await submit(busyView, typedPasswordState(NEW_PASSWORD));
    hasher.open();

    expect(busy.body).toEqual({
      response_action: "errors",
      errors: { [SET_PASSWORD_BLOCKS.mode]: HASHER_BUSY_MESSAGE },
    });
    expect((await holding).body).toMatchObject({ response_action: "update" });
    const hash = await slack.inspect(async (_repo, db) => {
      const [user] = await db.select().from(users).where(eq(users.email, "busy@example.com"));
      return user?.passwordHash ?? "";
    });
    expect(await argon2.verify(hash, OLD_PASSWORD)).toBe(true);
  });
});
