import { describe, expect, it } from "vitest";
import {
  buildChangePasswordVariables,
  previewLink,
  previewVariables,
  SAMPLE_RECIPIENT,
  type TemplateSettings,
} from "../../src/email/change-password-variables.ts";
import { renderChangePasswordEmail } from "../../src/email/render.ts";
import { DEFAULT_CHANGE_PASSWORD_TEMPLATE } from "../../src/email/template.ts";

const UNSET: TemplateSettings = {
  publicUrl: "https://passdesk.example.com",
  tenant: "acme",
  friendlyName: "Acme",
  supportEmail: undefined,
  supportUrl: undefined,
};
const render = (variables: ReturnType<typeof previewVariables>) =>
  renderChangePasswordEmail(DEFAULT_CHANGE_PASSWORD_TEMPLATE, variables, {
    defaultFrom: "Acme <no-reply@acme.example>",
  });

describe("the change-password email's variables", () => {
  it("are null, never empty strings, for unset settings and profile fields", () => {
    const variables = buildChangePasswordVariables(UNSET, {
      url: "https://passdesk.example.com/lo/reset?ticket=t",
      user: {
        email: "jane@example.com",
        name: "",
        givenName: null,
        familyName: "",
        nickname: null,
        emailVerified: false,
      },
      application: null,
      connection: "Username-Password-Authentication",
    });
    expect(variables).toMatchObject({
      support_email: null,
      support_url: null,
      application: null,
      user: { name: null, given_name: null, family_name: null, nickname: null },
    });
  });

  it("render a preview exactly as the real email of the same recipient, but for the link", async () => {
    for (const settings of [
      UNSET,
      { ...UNSET, supportEmail: "help@acme.example", supportUrl: "https://acme.example/help" },
    ]) {
      const real = await render(
        buildChangePasswordVariables(settings, {
          url: "https://passdesk.example.com/lo/reset?ticket=REAL",
          user: SAMPLE_RECIPIENT,
          application: { name: "Example App", clientId: "sample-client-id" },
          connection: "Username-Password-Authentication",
        }),
      );
      const preview = await render(previewVariables(settings));
      const link = previewLink(settings.publicUrl);
      // Compared as words: the links' lengths differ, and so may the text's line breaks.
      const words = (text: string) => text.split(/\s+/).join(" ");
      expect(words(preview.text)).toBe(
        words(real.text.replaceAll("https://passdesk.example.com/lo/reset?ticket=REAL", link)),
      );
      expect(preview.subject).toBe(real.subject);
    }
  });

  it("leave the default email without a 'Need help?' line when no support contact is set", async () => {
    const email = await render(previewVariables(UNSET));
    expect(`${email.text}${email.html}`).not.toContain("Need help");
    const withHelp = await render(
      previewVariables({ ...UNSET, supportEmail: "help@acme.example" }),
    );
    expect(withHelp.text).toContain("Write to help@acme.example");
    expect(withHelp.text).not.toContain("Visit");
  });
});
