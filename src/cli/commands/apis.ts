import type { Command } from "commander";
import { CliError, type CliRuntime } from "../context.ts";

export function registerApiCommands(program: Command, { withContext }: CliRuntime): void {
  const apis = program
    .command("apis")
    .description("list, add and remove APIs that access tokens may be issued for (audiences)");

  apis
    .command("add")
    .description("register an API: /oauth/token then accepts its identifier as audience")
    .argument("<identifier>", "the audience, usually the API's URL, e.g. https://api.example.com")
    .option("--name <name>", "display name (the identifier by default)")
    .action((identifier: string, options: { name?: string }) =>
      withContext(async ({ repo, print, audit }) => {
        const trimmed = identifier.trim();
        if (trimmed === "" || trimmed.length > 512 || /\p{Cc}/u.test(trimmed)) {
          throw new CliError(
            "the identifier must be 1 to 512 characters without control characters",
          );
        }
        const api = await repo.apis.add({
          identifier: trimmed,
          name: options.name?.trim() || trimmed,
        });
        if (!api) throw new CliError(`an API with identifier ${trimmed} already exists`);
        await audit({ action: "api.created", outcome: "success", details: { ...api } });
        print(`added API ${api.name} (audience ${api.identifier})`);
      }),
    );

  apis
    .command("list")
    .description("list registered APIs")
    .action(() =>
      withContext(async ({ repo, print }) => {
        for (const api of await repo.apis.list()) print(`${api.identifier}\t${api.name}`);
      }),
    );

  apis
    .command("remove")
    .description("remove an API: tokens are no longer issued for it")
    .argument("<identifier>")
    .action((identifier: string) =>
      withContext(async ({ repo, print, audit }) => {
        const removed = await repo.apis.remove(identifier);
        if (!removed) throw new CliError(`no API with identifier ${identifier}`);
        await audit({ action: "api.removed", outcome: "success", details: { ...removed } });
        print(`removed API ${removed.identifier}`);
      }),
    );
}
