/** What the installation's configuration gives every email: the same for a send and a preview. */
export interface TemplateSettings {
  publicUrl: string;
  tenant: string;
  friendlyName: string;
  supportEmail: string | undefined;
  supportUrl: string | undefined;
}

/** Who an email is for: a real user, or a preview's admin or sample recipient. */
export interface Recipient {
  email: string;
  name: string | null;
  givenName: string | null;
  familyName: string | null;
  nickname: string | null;
  emailVerified: boolean;
}

/** The variables every template can use (Auth0's names), whatever the email is about. */
export interface CommonVariables {
  user: {
    email: string;
    name?: string | null;
    given_name?: string | null;
    family_name?: string | null;
    nickname?: string | null;
    email_verified?: boolean;
  };
  connection: { name: string };
  tenant: string;
  friendly_name: string;
  support_email?: string | null;
  support_url?: string | null;
}

/**
 * The one place the variables every template shares are built, for real sends, previews and test
 * sends of both templates. A value that is not set is null (falsy in Liquid), never "" (which
 * Liquid counts as true: "Write to ." in the default email).
 */
export function buildCommonVariables(
  settings: TemplateSettings,
  inputs: { user: Recipient; connection: string },
): CommonVariables {
  const { user } = inputs;
  return {
    user: {
      email: user.email,
      name: user.name || null,
      given_name: user.givenName || null,
      family_name: user.familyName || null,
      nickname: user.nickname || null,
      email_verified: user.emailVerified,
    },
    connection: { name: inputs.connection },
    tenant: settings.tenant,
    friendly_name: settings.friendlyName,
    support_email: settings.supportEmail || null,
    support_url: settings.supportUrl || null,
  };
}

/** The part of the object templates see that every template shares: unset values are nil. */
export function createCommonScope(variables: CommonVariables): object {
  const { user } = variables;
  return {
    user: {
      email: user.email,
      name: user.name ?? null,
      given_name: user.given_name ?? null,
      family_name: user.family_name ?? null,
      nickname: user.nickname ?? null,
      email_verified: user.email_verified ?? false,
    },
    connection: { name: variables.connection.name },
    tenant: variables.tenant,
    friendly_name: variables.friendly_name,
    support_email: variables.support_email ?? null,
    support_url: variables.support_url ?? null,
  };
}

export const SAMPLE_RECIPIENT: Recipient = {
  email: "jane.doe@example.com",
  name: "Jane Doe",
  givenName: "Jane",
  familyName: "Doe",
  nickname: "jane.doe",
  emailVerified: true,
};

export const SAMPLE_CONNECTION = "Username-Password-Authentication";

/** The settings validation renders with, so that every optional variable is set. */
export const SAMPLE_SETTINGS: TemplateSettings = {
  publicUrl: "https://passdesk.example",
  tenant: "passdesk",
  friendlyName: "Passdesk",
  supportEmail: "support@example.com",
  supportUrl: "https://example.com/support",
};
