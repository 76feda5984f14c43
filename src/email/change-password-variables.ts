import {
  buildCommonVariables,
  type CommonVariables,
  createCommonScope,
  type Recipient,
  SAMPLE_CONNECTION,
  SAMPLE_RECIPIENT,
  SAMPLE_SETTINGS,
  type TemplateSettings,
} from "./common-variables.ts";

export { SAMPLE_RECIPIENT, type TemplateSettings } from "./common-variables.ts";

/** The variables a change-password template can use: Auth0's names, plus `url_lifetime`. */
export interface ChangePasswordVariables extends CommonVariables {
  /** The reset link. */
  url: string;
  /** Absent when the request named no client; templates then see empty strings. */
  application?: { name: string; clientID: string } | null;
}

/** Who the email is for and what it is about: a real request's, or a preview's sample. */
export interface VariableInputs {
  /** The reset link: a real ticket's, or previewLink's, which resets nothing. */
  url: string;
  user: Recipient;
  application: { name: string; clientId: string } | null;
  connection: string;
}

/**
 * The change-password email's variables, for the real send, the Slack preview and test send, and
 * the CLI preview alike; the shared ones come from buildCommonVariables.
 */
export function buildChangePasswordVariables(
  settings: TemplateSettings,
  inputs: VariableInputs,
): ChangePasswordVariables {
  return {
    ...buildCommonVariables(settings, inputs),
    url: inputs.url,
    application: inputs.application && {
      name: inputs.application.name,
      clientID: inputs.application.clientId,
    },
  };
}
// Not a ticket: none is created for it, and the reset page answers any unknown token with its
// "invalid link" page. A preview or test email must look real without being able to reset.
const PREVIEW_TICKET = "test-link-does-not-reset";

/** The link previews and test emails carry: on this installation, resetting nothing. */
export function previewLink(publicUrl: string): string {
  return `${publicUrl}/lo/reset?ticket=${PREVIEW_TICKET}`;
}

/**
 * A preview's variables: this installation's settings, the sample application and connection,
 * the given recipient (the admin's own Slack profile) or the sample one, and previewLink.
 */
export function previewVariables(
  settings: TemplateSettings,
  recipient: Recipient = SAMPLE_RECIPIENT,
): ChangePasswordVariables {
  return buildChangePasswordVariables(settings, {
    url: previewLink(settings.publicUrl),
    user: recipient,
    application: { name: "Example App", clientId: "sample-client-id" },
    connection: SAMPLE_CONNECTION,
  });
}

export type SampleVariableOverrides = Partial<Omit<ChangePasswordVariables, "user">> & {
  user?: Partial<ChangePasswordVariables["user"]>;
};

/** Every variable set, for validating a template and for tests; overrides replace any of them. */
export function sampleVariables(overrides: SampleVariableOverrides = {}): ChangePasswordVariables {
  const { user, ...rest } = overrides;
  const sample = previewVariables(SAMPLE_SETTINGS);
  return { ...sample, ...rest, user: { ...sample.user, ...user } };
}

/**
 * The object templates see. Missing optional values become nil (falsy in `{% if %}`), except
 * `application`, whose fields become empty strings as in Auth0.
 */
export function createLiquidScope(variables: ChangePasswordVariables, urlLifetime: string): object {
  return {
    ...createCommonScope(variables),
    url: variables.url,
    application: {
      name: variables.application?.name ?? "",
      clientID: variables.application?.clientID ?? "",
    },
    url_lifetime: urlLifetime,
  };
}
