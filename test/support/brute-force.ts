import type { Repository } from "../../src/db/stores.ts";
import { attemptSignIn, createTestGuard } from "./memory-sign-in.ts";

/**
 * Fails `times` sign-ins for `email` from `ip` through a guard over `repo` (any backend), as the
 * token endpoint would, and waits for what the guard does after answering. Returns the emails
 * the guard sent. For tests that need a real block before the token endpoint exists to make one.
 */
export async function failSignIns(
  repo: Repository,
  input: { email: string; ip: string; times: number; connection?: string; at?: Date },
) {
  const { guard, mailer, settled } = createTestGuard(repo);
  const connection = await repo.connections.findByName(
    input.connection ?? "Username-Password-Authentication",
  );
  if (!connection) throw new Error("no such connection");
  const outcomes = [];
  for (let i = 0; i < input.times; i++) {
    const at = new Date((input.at ?? new Date()).getTime() + i);
    outcomes.push(
      await attemptSignIn(guard, repo, {
        connection,
        email: input.email,
        password: "not the password",
        ip: input.ip,
        at,
      }),
    );
  }
  await settled();
  return { outcomes, emails: mailer.sent };
}
