import type { Command } from "commander";
import type { Client } from "../../clients/ports.ts";
import { createClientSecret } from "../../sign-in/authenticate-client.ts";
import { CliError, type CliRuntime } from "../context.ts";

export function registerClientCommands(program: Command, { withContext }: CliRuntime): void {
  const clients = program
    .command("clients")
    .description("list, add and remove applications (clients)");

  clients
    .command("add")
    .description("add an application; prints its client_id (and client_secret, once)")
    .argument("<name>", "display name")
    .option("--origin <url>", "allowed web origin for browser calls (repeatable)", collect, [])
    .option("--confidential", "a server-side app: it authenticates with a client_secret", false)
    .option("--no-refresh-tokens", "never issue refresh tokens (scope offline_access) to it")
    .action(
      (
        name: string,
        options: { origin: string[]; confidential: boolean; refreshTokens: boolean },
      ) =>
        withContext(async ({ repo, print, audit }) => {
          if (name.trim() === "") throw new CliError("the client name must not be empty");
          const origins = options.origin.map(parseOrigin);
          const credentials = options.confidential ? createClientSecret() : undefined;
          const client = await repo.clients.add({
            name: name.trim(),
            webOrigins: origins,
            secretHash: credentials?.secretHash ?? null,
            refreshTokens: options.refreshTokens,
          });
          await audit({ action: "client.created", outcome: "success", details: describe(client) });
          print(`added client ${client.name}`);
          print(`client_id: ${client.clientId}`);
          if (credentials) {
            print(`client_secret: ${credentials.secret}`);
            print("The secret is shown this once: only its hash is stored.");
          }
        }),
    );

  clients
    .command("list")
    .description("list applications with their allowed web origins")
    .action(() =>
      withContext(async ({ repo, print }) => {
        for (const client of await repo.clients.list()) {
          const kind = client.secretHash === null ? "public" : "confidential";
          print(
            `${client.clientId}\t${client.name}\t${kind}\t${client.webOrigins.join(" ") || "(no web origins)"}`,
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
        await audit({ action: "client.removed", outcome: "success", details: describe(removed) });
        print(`removed client ${removed.name} (${removed.clientId})`);
      }),
    );
}

/** A client as the audit shows it: never its secret's hash. */
function describe({ clientId, name, webOrigins, secretHash, refreshTokens }: Client) {
  return { clientId, name, webOrigins, confidential: secretHash !== null, refreshTokens };
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
