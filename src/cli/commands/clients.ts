import type { Command } from "commander";
import { CliError, type CliRuntime } from "../context.ts";

export function registerClientCommands(program: Command, { withContext }: CliRuntime): void {
  const clients = program
    .command("clients")
    .description("list, add and remove applications (clients)");

  clients
    .command("add")
    .description("add an application; prints its client_id")
    .argument("<name>", "display name")
    .option("--origin <url>", "allowed web origin for browser calls (repeatable)", collect, [])
    .action((name: string, options: { origin: string[] }) =>
      withContext(async ({ repo, print, audit }) => {
        if (name.trim() === "") throw new CliError("the client name must not be empty");
        const origins = options.origin.map(parseOrigin);
        const client = await repo.clients.add({ name: name.trim(), webOrigins: origins });
        await audit({ action: "client.created", outcome: "success", details: { ...client } });
        print(`added client ${client.name}`);
        print(`client_id: ${client.clientId}`);
      }),
    );

  clients
    .command("list")
    .description("list applications with their allowed web origins")
    .action(() =>
      withContext(async ({ repo, print }) => {
        for (const client of await repo.clients.list()) {
          print(
            `${client.clientId}\t${client.name}\t${client.webOrigins.join(" ") || "(no web origins)"}`,
          );
        }
      }),
    );

  clients
    .command("remove")
    .description("remove an application: its client_id is refused from then on")
    .argument("<client-id>", "the client_id that clients add printed")
    .action((clientId: string) =>
      withContext(async ({ repo, print, audit }) => {
        const removed = await repo.clients.remove(clientId);
        if (!removed) throw new CliError(`no client with client_id ${clientId}`);
        await audit({ action: "client.removed", outcome: "success", details: { ...removed } });
        print(`removed client ${removed.name} (${removed.clientId})`);
      }),
    );
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** An origin is scheme://host[:port] with nothing after it, as browsers send it. */
function parseOrigin(value: string): string {
  if (!URL.canParse(value))
    throw new CliError(`--origin must be a URL like https://app.example.com, got "${value}"`);
  const url = new URL(value);
  if (
    !/^https?:$/.test(url.protocol) ||
    (url.pathname !== "/" && url.pathname !== "") ||
    url.search ||
    url.hash
  ) {
    throw new CliError(`--origin must be a bare http(s) origin without a path, got "${value}"`);
  }
  return url.origin;
}
