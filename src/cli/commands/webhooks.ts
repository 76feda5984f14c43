import type { Command } from "commander";
import { addWebhookEndpoint, createWebhookSecret } from "../../webhooks/endpoints.ts";
import { CHANGE_EVENT_TYPES } from "../../webhooks/events.ts";
import type { WebhookEndpoint } from "../../webhooks/ports.ts";
import { CliError, type CliRuntime, parseIntegerOption } from "../context.ts";

export function registerWebhookCommands(program: Command, { withContext }: CliRuntime): void {
  const webhooks = program
    .command("webhooks")
    .description("send signed change events (password changed, user blocked…) to your apps");

  webhooks
    .command("add")
    .description("add a receiver; prints its id and signing secret (the secret once)")
    .argument("<url>", "where events are POSTed: https, or http to localhost")
    .requiredOption("--events <names>", `comma-separated, of: ${CHANGE_EVENT_TYPES.join(", ")}`)
    .action((url: string, options: { events: string }) =>
      withContext(async ({ repo, print, audit, webhookSecrets, clock }) => {
        const added = await addWebhookEndpoint(
          { endpoints: repo.webhookEndpoints, seal: webhookSecrets(), at: clock.now() },
          { url, events: options.events },
        );
        if (!added.ok && added.reason === "bad_url") {
          throw new CliError(`the webhook URL ${added.problem}`);
        }
        if (!added.ok) {
          const which =
            added.unknown.length > 0 ? `unknown event ${added.unknown.join(", ")}` : "no event";
          throw new CliError(`${which}: --events takes ${CHANGE_EVENT_TYPES.join(", ")}`);
        }
        const { endpoint, secret } = added;
        await audit({ action: "webhook.created", outcome: "success", details: describe(endpoint) });
        print(`added webhook ${endpoint.id} for ${endpoint.events.join(", ")}`);
        print(`secret: ${secret}`);
        print("The secret is shown this once: keep it where the receiver can check signatures.");
      }),
    );

  webhooks
    .command("list")
    .description("list receivers and the events they get (never their secrets)")
    .action(() =>
      withContext(async ({ repo, print }) => {
        for (const endpoint of await repo.webhookEndpoints.list()) {
          print(`${endpoint.id}\t${endpoint.url}\t${endpoint.events.join(",")}`);
        }
      }),
    );

  webhooks
    .command("remove")
    .description("remove a receiver; its undelivered events are dropped")
    .argument("<id>", "the id that webhooks add printed")
    .action((id: string) =>
      withContext(async ({ repo, print, audit }) => {
        const removed = await repo.webhookEndpoints.remove(id);
        if (!removed) throw new CliError(`no webhook with id ${id}`);
        await audit({ action: "webhook.removed", outcome: "success", details: describe(removed) });
        print(`removed webhook ${removed.id}`);
      }),
    );

  webhooks
    .command("rotate-secret")
    .description("give a receiver a new signing secret (printed once); the old one stops at once")
    .argument("<id>", "the id that webhooks add printed")
    .action((id: string) =>
      withContext(async ({ repo, print, audit, webhookSecrets }) => {
        const secret = createWebhookSecret();
        if (!(await repo.webhookEndpoints.replaceSecret(id, webhookSecrets().seal(secret)))) {
          throw new CliError(`no webhook with id ${id}`);
        }
        await audit({ action: "webhook.secret_rotated", outcome: "success", details: { id } });
        print(`secret: ${secret}`);
        print("The secret is shown this once; deliveries are signed with it from now on.");
      }),
    );

  webhooks
    .command("deliveries")
    .description("show the latest deliveries: event, receiver, state, attempts, last error")
    .option("--limit <n>", "how many", parseIntegerOption("--limit", 1, 1000), 20)
    .action((options: { limit: number }) =>
      withContext(async ({ repo, print }) => {
        for (const delivery of await repo.webhookDeliveries.recent(options.limit)) {
          print(
            [
              delivery.event.createdAt.toISOString(),
              delivery.event.id,
              delivery.event.type,
              delivery.endpointId,
              delivery.status,
              `attempts=${delivery.attempts}`,
              delivery.lastError ?? "-",
            ].join("\t"),
          );
        }
      }),
    );
}

/** An endpoint as the audit shows it: the host only (a path or query may hold a token). */
function describe({ id, url, events }: WebhookEndpoint) {
  return { id, host: new URL(url).host, events };
}
