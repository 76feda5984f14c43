import { describe, expect, it } from "vitest";
import {
  renderChangePasswordEmail,
  sampleVariables,
  TemplateRenderError,
} from "../../src/email/render.ts";
import { DEFAULT_CHANGE_PASSWORD_TEMPLATE, type EmailTemplate } from "../../src/email/template.ts";

const DEFAULT_FROM = "Passdesk <no-reply@passdesk.test>";
const options = { defaultFrom: DEFAULT_FROM };

function withTemplate(changes: Partial<EmailTemplate>): EmailTemplate {
  return { ...DEFAULT_CHANGE_PASSWORD_TEMPLATE, ...changes };
}

describe("renderChangePasswordEmail", () => {
  it("renders one template for many users, each with their own values, and an edit at once", async () => {
    // Parsed templates are kept (src/email/liquid.ts); what they render must not be.
    const template = withTemplate({ subject: "For {{ user.email }}", body: "<p>{{ url }}</p>" });
    const render = (email: string, url: string, body = template.body) =>
      renderChangePasswordEmail(
        { ...template, body },
        { ...sampleVariables(), url, user: { ...sampleVariables().user, email } },
        options,
      );

    const first = await render("a@example.com", "https://a.example/1");
    const second = await render("b@example.com", "https://b.example/2");
    const edited = await render("b@example.com", "https://b.example/2", "<p>New: {{ url }}</p>");

    expect([first.subject, first.html]).toEqual([
      "For a@example.com",
      "<p>https://a.example/1</p>",
    ]);
    expect([second.subject, second.html]).toEqual([
      "For b@example.com",
      "<p>https://b.example/2</p>",
    ]);
    expect(second.text).toBe("https://b.example/2");
    expect(edited.html).toBe("<p>New: https://b.example/2</p>");
  });

  it("gives templates every Auth0 variable", async () => {
    const body = [
      "{{ url }}|{{ user.email }}|{{ user.name }}|{{ user.given_name }}|{{ user.family_name }}",
      "{{ user.nickname }}|{{ user.email_verified }}|{{ application.name }}",
      "{{ application.clientID }}|{{ connection.name }}|{{ tenant }}|{{ friendly_name }}",
      "{{ support_email }}|{{ support_url }}|{{ url_lifetime }}",
    ].join("|");
    const email = await renderChangePasswordEmail(
      withTemplate({ body }),
      sampleVariables(),
      options,
    );

    expect(email.html).toBe(
      [
        "https://passdesk.example/lo/reset?ticket=test-link-does-not-reset|jane.doe@example.com",
        "Jane Doe|Jane|Doe|jane.doe|true|Example App|sample-client-id",
        "Username-Password-Authentication|passdesk|Passdesk|support@example.com",
        "https://example.com/support|5 days",
      ].join("|"),
    );
  });

  it("HTML-escapes a user named <script> in the body", async () => {
    const variables = sampleVariables({ user: { name: `<script>alert("x")</script>` } });
    const email = await renderChangePasswordEmail(
      DEFAULT_CHANGE_PASSWORD_TEMPLATE,
      variables,
      options,
    );

    expect(email.html).not.toContain("<script>");
    expect(email.html).toContain("&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;");
  });

  it("escapes the link once, so a query string with & stays a valid attribute", async () => {
    const variables = sampleVariables({ url: "https://passdesk.example/lo/reset?ticket=a&x=1" });
    const email = await renderChangePasswordEmail(
      DEFAULT_CHANGE_PASSWORD_TEMPLATE,
      variables,
      options,
    );

    expect(email.html).toContain('href="https://passdesk.example/lo/reset?ticket=a&amp;x=1"');
    expect(email.text).toContain("https://passdesk.example/lo/reset?ticket=a&x=1");
  });

  it("keeps a subject on one line when a name contains CR/LF and control characters", async () => {
    const template = withTemplate({ subject: "Hi {{ user.name }}, reset your password" });
    const variables = sampleVariables({ user: { name: "Jane\r\nBcc:\u0000evil@example.com" } });
    const email = await renderChangePasswordEmail(template, variables, options);

    expect(email.subject).toBe("Hi Jane Bcc: evil@example.com, reset your password");
  });

  it("does not HTML-escape the subject", async () => {
    const variables = sampleVariables({ friendly_name: "Tom & Jerry's" });
    const email = await renderChangePasswordEmail(
      DEFAULT_CHANGE_PASSWORD_TEMPLATE,
      variables,
      options,
    );

    expect(email.subject).toBe("Reset your Tom & Jerry's password");
  });

  it("sends from EMAIL_FROM when the template has no sender", async () => {
    const email = await renderChangePasswordEmail(
      DEFAULT_CHANGE_PASSWORD_TEMPLATE,
      sampleVariables(),
      options,
    );

    expect(email.from).toBe(DEFAULT_FROM);
  });

  it("renders a Liquid sender on one line", async () => {
    const template = withTemplate({ from: "{{ friendly_name }} Support <help@passdesk.test>" });
    const variables = sampleVariables({ friendly_name: "Acme\r\nX-Evil: 1" });
    const email = await renderChangePasswordEmail(template, variables, options);

    expect(email.from).toBe("Acme X-Evil: 1 Support <help@passdesk.test>");
  });

  it("writes the link into the plain-text part", async () => {
    const email = await renderChangePasswordEmail(
      DEFAULT_CHANGE_PASSWORD_TEMPLATE,
      sampleVariables(),
      options,
    );

    expect(email.text).toContain(
      "https://passdesk.example/lo/reset?ticket=test-link-does-not-reset",
    );
    expect(email.text).toContain("expires in 5 days");
    expect(email.text).not.toMatch(/<[a-z]/i);
  });

  it("says how long the link lasts in words", async () => {
    const render = (urlLifetimeSeconds: number) =>
      renderChangePasswordEmail(withTemplate({ urlLifetimeSeconds }), sampleVariables(), options);

    expect((await render(432_000)).text).toContain("expires in 5 days");
    expect((await render(86_400)).text).toContain("expires in 1 day");
    expect((await render(3_600)).text).toContain("expires in 1 hour");
    expect((await render(5_400)).text).toContain("expires in 90 minutes");
  });

  it("renders application variables as empty strings when the request named no client", async () => {
    const template = withTemplate({
      body: "[{{ application.name }}][{{ application.clientID }}] {{ url }}",
    });
    const email = await renderChangePasswordEmail(
      template,
      sampleVariables({ application: null }),
      options,
    );

    expect(email.html).toBe(
      "[][] https://passdesk.example/lo/reset?ticket=test-link-does-not-reset",
    );
  });

  it("mentions support only when support_email or support_url is configured", async () => {
    const withSupport = await renderChangePasswordEmail(
      DEFAULT_CHANGE_PASSWORD_TEMPLATE,
      sampleVariables(),
      options,
    );
    const without = await renderChangePasswordEmail(
      DEFAULT_CHANGE_PASSWORD_TEMPLATE,
      sampleVariables({ support_email: null, support_url: null }),
      options,
    );

    expect(withSupport.text).toContain("support@example.com");
    expect(withSupport.text).toContain("https://example.com/support");
    expect(without.text).not.toContain("Need help?");
  });

  it("greets a user without a name without a dangling space", async () => {
    const email = await renderChangePasswordEmail(
      DEFAULT_CHANGE_PASSWORD_TEMPLATE,
      sampleVariables({ user: { name: null } }),
      options,
    );

    expect(email.text).toContain("Hello,");
  });

  it("ships an accessible default: lang, title, presentation tables, no external resources", async () => {
    const { html } = await renderChangePasswordEmail(
      DEFAULT_CHANGE_PASSWORD_TEMPLATE,
      sampleVariables(),
      options,
    );

    expect(html).toMatch(/<html lang="en">/);
    expect(html).toMatch(/<title>Reset your Passdesk password<\/title>/);
    expect(html.match(/<table /g)?.length).toBe(html.match(/<table role="presentation"/g)?.length);
    expect(html).not.toMatch(/<(img|link|script|style)\b/);
    expect(html).not.toMatch(/src=/);
  });

  it("refuses to read files through include or render", async () => {
    for (const body of ["{% include '/etc/passwd' %}", "{% render 'package.json' %}"]) {
      await expect(
        renderChangePasswordEmail(withTemplate({ body }), sampleVariables(), options),
      ).rejects.toBeInstanceOf(TemplateRenderError);
    }
  });

  it("stops a template that would run for ever", async () => {
    const body =
      "{% for i in (1..100000) %}{% for j in (1..100000) %}{{ j }}{% endfor %}{% endfor %}";
    const started = Date.now();
    const rendering = renderChangePasswordEmail(withTemplate({ body }), sampleVariables(), options);

    await expect(rendering).rejects.toBeInstanceOf(TemplateRenderError);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("reports a broken stored template as TemplateRenderError naming the part, with the cause", async () => {
    const rendering = renderChangePasswordEmail(
      withTemplate({ subject: "{{ friendly_name | no_such_filter }}" }),
      sampleVariables(),
      options,
    );

    const error = await rendering.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TemplateRenderError);
    expect((error as TemplateRenderError).part).toBe("subject");
    expect((error as TemplateRenderError).cause).toBeInstanceOf(Error);
  });

  it("refuses a sender that renders to something other than an address", async () => {
    const template = withTemplate({ from: "{{ user.name }}" });

    await expect(
      renderChangePasswordEmail(template, sampleVariables(), options),
    ).rejects.toMatchObject({ name: "TemplateRenderError", part: "from" });
  });
});
