import type { Command } from "commander";
import { systemClock } from "../../clock.ts";
import { describeKeyState, revokeSigningKey, rotateSigningKey } from "../../sign-in/rotate-keys.ts";
import { CliError, type CliRuntime } from "../context.ts";

export function registerKeyCommands(program: Command, { withContext }: CliRuntime): void {
  const keys = program
    .command("keys")
    .description("list, rotate and revoke the keys that sign tokens");

  keys
    .command("list")
    .description("list signing keys, newest first, with their state")
    .action(() =>
      withContext(async ({ repo, print }) => {
        const at = systemClock.now();
        const all = await repo.signingKeys.list();
        if (all.length === 0) print("no signing keys yet: the server makes one when it starts");
        for (const key of all) {
          print(`${key.kid}\t${key.createdAt.toISOString()}\t${describeKeyState(key, at)}`);
        }
      }),
    );

  keys
    .command("rotate")
    .description("make a new key current; the previous one stays published until its tokens expire")
    .option("--revoke-previous", "withdraw the previous key at once (it leaked)", false)
    .action((options: { revokePrevious: boolean }) =>
      withContext(async ({ repo, print, audit, keyManagement }) => {
        const rotated = await rotateSigningKey(
          { ...keyManagement(), keys: repo.signingKeys },
          options,
        );
        await audit({
          action: "signing_key.rotated",
          outcome: "success",
          details: {
            kid: rotated.current,
            previousKid: rotated.retired?.kid ?? null,
            previousRevoked: rotated.retired?.revokedAt != null,
          },
        });
        print(`current key: ${rotated.current}`);
        if (rotated.retired) {
          print(
            `previous key ${rotated.retired.kid}: ${describeKeyState(rotated.retired, systemClock.now())}`,
          );
        }
      }),
    );

  keys
    .command("revoke")
    .description("withdraw a previous key from the JWKS at once: tokens it signed stop verifying")
    .argument("<kid>", "the key's id, as keys list shows it")
    .action((kid: string) =>
      withContext(async ({ repo, print, audit }) => {
        const revoked = await revokeSigningKey({ keys: repo.signingKeys, clock: systemClock }, kid);
        if (!revoked.ok) {
          throw new CliError(
            revoked.reason === "current_key"
              ? `${kid} is the current key: run "passdesk keys rotate --revoke-previous" to replace and revoke it`
              : `no unrevoked signing key ${kid}`,
          );
        }
        await audit({ action: "signing_key.revoked", outcome: "success", details: { kid } });
        print(`revoked key ${kid}`);
      }),
    );
}
