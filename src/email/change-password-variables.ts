/** The variables a change-password template can use: Auth0's names, plus `url_lifetime`. */
export interface ChangePasswordVariables {
  /** The reset link. */
  url: string;
  user: {
    email: string;
    name?: string | null;
    given_name?: string | null;
    family_name?: string | null;
    nickname?: string | null;
    email_verified?: boolean;
  };
  /** Absent when the request named no client; templates then see empty strings. */
  application?: { name: string; clientID: string } | null;
  connection: { name: string };
  tenant: string;
  friendly_name: string;
  support_email?: string | null;
  support_url?: string | null;
}

export type SampleVariableOverrides = Partial<Omit<ChangePasswordVariables, "user">> & {
  user?: Partial<ChangePasswordVariables["user"]>;
};

/** Realistic values for previews and validation; the link cannot reset anything. */
export function sampleVariables(overrides: SampleVariableOverrides = {}): ChangePasswordVariables {
  const { user, ...rest } = overrides;
  return {
    url: "https://passdesk.example/lo/reset?ticket=sample-ticket-not-valid",
    application: { name: "Example App", clientID: "sample-client-id" },
    connection: { name: "Username-Password-Authentication" },
    tenant: "passdesk",
    friendly_name: "Passdesk",
    support_email: "support@example.com",
    support_url: "https://example.com/support",
    ...rest,
    user: {
      email: "jane.doe@example.com",
      name: "Jane Doe",
      given_name: "Jane",
      family_name: "Doe",
      nickname: "jane.doe",
      email_verified: true,
      ...user,
    },
  };
}

/**
 * The object templates see. Missing optional values become nil (falsy in `{% if %}`), except
 * `application`, whose fields become empty strings as in Auth0.
 */
export function createLiquidScope(variables: ChangePasswordVariables, urlLifetime: string): object {
  const { user } = variables;
  return {
    url: variables.url,
    user: {
      email: user.email,
      name: user.name ?? null,
      given_name: user.given_name ?? null,
      family_name: user.family_name ?? null,
      nickname: user.nickname ?? null,
      email_verified: user.email_verified ?? false,
    },
    application: {
      name: variables.application?.name ?? "",
      clientID: variables.application?.clientID ?? "",
    },
    connection: { name: variables.connection.name },
    tenant: variables.tenant,
    friendly_name: variables.friendly_name,
    support_email: variables.support_email ?? null,
    support_url: variables.support_url ?? null,
    url_lifetime: urlLifetime,
  };
}
