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

/** What the installation's configuration gives every email: the same for a send and a preview. */
export interface TemplateSettings {
  publicUrl: string;
  tenant: string;
  friendlyName: string;
  supportEmail: string | undefined;
  supportUrl: string | undefined;
}

/** Who the email is for and what it is about: a real request's, or a preview's sample. */
export interface VariableInputs {
  /** The reset link: a real ticket's, or previewLink's, which resets nothing. */
  url: string;
  user: {
    email: string;
    name: string | null;
    givenName: string | null;
    familyName: string | null;
    nickname: string | null;
    emailVerified: boolean;
  };
  application: { name: string; clientId: string } | null;
  connection: string;
}

/**
 * The one place a template's variables are built, for the real send, the Slack preview and test
 * send, and the CLI preview alike. A value that is not set is null (falsy in Liquid), never ""
 * (which Liquid counts as true: "Write to ." in the default email).
 */
export function buildChangePasswordVariables(
  settings: TemplateSettings,
  inputs: VariableInputs,
): ChangePasswordVariables {
  const { user } = inputs;
  return {
    url: inputs.url,
    user: {
      email: user.email,
      name: user.name || null,
      given_name: user.givenName || null,
      family_name: user.familyName || null,
      nickname: user.nickname || null,
      email_verified: user.emailVerified,
    },
    application: inputs.application && {
      name: inputs.application.name,
      clientID: inputs.application.clientId,
    },
    connection: { name: inputs.connection },
    tenant: settings.tenant,
    friendly_name: settings.friendlyName,
    support_email: settings.supportEmail || null,
    support_url: settings.supportUrl || null,
  };
}

// Not a ticket: none is created for it, and the reset page answers any unknown token with its
// "invalid link" page. A preview or test email must look real without being able to reset.
const PREVIEW_TICKET = "test-link-does-not-reset";

/** The link previews and test emails carry: on this installation, resetting nothing. */
export function previewLink(publicUrl: string): string {
  return `${publicUrl}/lo/reset?ticket=${PREVIEW_TICKET}`;
}

export const SAMPLE_RECIPIENT: VariableInputs["user"] = {
  email: "jane.doe@example.com",
  name: "Jane Doe",
  givenName: "Jane",
  familyName: "Doe",
  nickname: "jane.doe",
  emailVerified: true,
};

/**
 * A preview's variables: this installation's settings, the sample application and connection,
 * the given recipient (the admin's own Slack profile) or the sample one, and previewLink.
 */
export function previewVariables(
  settings: TemplateSettings,
  recipient: VariableInputs["user"] = SAMPLE_RECIPIENT,
): ChangePasswordVariables {
  return buildChangePasswordVariables(settings, {
    url: previewLink(settings.publicUrl),
    user: recipient,
    application: { name: "Example App", clientId: "sample-client-id" },
    connection: "Username-Password-Authentication",
  });
}

export type SampleVariableOverrides = Partial<Omit<ChangePasswordVariables, "user">> & {
  user?: Partial<ChangePasswordVariables["user"]>;
};

/** Every variable set, for validating a template and for tests; overrides replace any of them. */
export function sampleVariables(overrides: SampleVariableOverrides = {}): ChangePasswordVariables {
  const { user, ...rest } = overrides;
  const sample = previewVariables({
    publicUrl: "https://passdesk.example",
    tenant: "passdesk",
    friendlyName: "Passdesk",
    supportEmail: "support@example.com",
    supportUrl: "https://example.com/support",
  });
  return { ...sample, ...rest, user: { ...sample.user, ...user } };
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
