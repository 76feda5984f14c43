import type { AuditChainStore } from "../audit/chain.ts";
import type { AuditEntry, AuditLog } from "../audit/ports.ts";
import type { ClientStore } from "../clients/ports.ts";
import type { Clock } from "../clock.ts";
import type { Config } from "../config.ts";
import type { TemplateStore } from "../email/ports.ts";
import type { TemplateEditPorts } from "../email/template-edit.ts";
import type { PasswordHasher } from "../passwords/hasher.ts";
import type { RoleStore } from "../roles/ports.ts";
import type {
  ApiStore,
  RefreshTokenStore,
  SignInFailureStore,
  SigningKeyStore,
} from "../sign-in/ports.ts";
import type { KeyManagementDependencies } from "../sign-in/rotate-keys.ts";
import type { Transaction } from "../unit-of-work.ts";
import type { ExternalStoreRegistry } from "../users/linked-user-store.ts";
import type { ConnectionStore, UserStore } from "../users/ports.ts";
import type { SecretSeal } from "../webhooks/deliver.ts";
import type {
  ChangeEventOutbox,
  WebhookDeliveryStore,
  WebhookEndpointStore,
} from "../webhooks/ports.ts";

/** A bad-input outcome: printed as one line on stderr, exit code 1. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CliError";
  }
}

/** The ports the commands use: the built-in stores, and units of work over them. */
export interface CliPorts {
  connections: ConnectionStore;
  clients: ClientStore;
  users: UserStore;
  roles: RoleStore;
  audit: AuditLog;
  auditChain: AuditChainStore;
  templates: TemplateStore;
  apis: ApiStore;
  signingKeys: SigningKeyStore;
  refreshTokens: RefreshTokenStore;
  signInFailures: Pick<SignInFailureStore, "list" | "clear">;
  webhookEndpoints: WebhookEndpointStore;
  webhookDeliveries: Pick<WebhookDeliveryStore, "recent">;
  transaction: Transaction<
    TemplateEditPorts & {
      users: Pick<UserStore, "add" | "setBlocked">;
      signInFailures: Pick<SignInFailureStore, "clear">;
      changeEvents: Pick<ChangeEventOutbox, "publish">;
    }
  >;
}

export interface CliContext {
  config: Config;
  repo: CliPorts;
  hasher: PasswordHasher;
  /** Opens the external store of a connection that has one (connections add/set/test). */
  externalStores: ExternalStoreRegistry;
  /** What rotating a signing key needs (reads the key-encryption key only when called). */
  keyManagement(): Omit<KeyManagementDependencies, "keys">;
  /** Seals webhook secrets (reads the key-encryption key only when called). */
  webhookSecrets(): Pick<SecretSeal, "seal">;
  clock: Clock;
  /** The OS user that runs the command ($USER): CLI changes are audited and edited as them. */
  osUser: string | null;
  print(line: string): void;
  /** Records a change made by this command, as the CLI user. */
  audit(entry: Omit<AuditEntry, "actorType" | "actorId">): Promise<void>;
}

/** Opens the configured database (migrating it) for one piece of work, then closes it. */
export type WithContext = <T>(work: (context: CliContext) => Promise<T>) => Promise<T>;

/** What the commands get from the composition root (src/cli/main.ts). */
export interface CliRuntime {
  withContext: WithContext;
  /** $VISUAL, else $EDITOR: the command `templates edit` runs. */
  editor: string | undefined;
}

export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export function parseIntegerOption(name: string, min: number, max: number) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
      throw new CliError(`${name} must be a whole number from ${min} to ${max}, got "${value}"`);
    }
    return parsed;
  };
}
