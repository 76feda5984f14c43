/** A minimal browser stand-in: keeps the CSRF cookie and reads the hidden form fields. */
export async function openResetForm(link: string) {
  const response = await fetch(link, { redirect: "manual" });
  const html = await response.text();
  const cookie = response.headers.get("set-cookie")?.split(";")[0] ?? "";
  const field = (name: string) =>
    html.match(new RegExp(`name="${name}" value="([^"]*)"`))?.[1] ?? "";
  return { response, html, cookie, ticket: field("ticket"), csrf: field("csrf") };
}

export function submitResetForm(
  action: string,
  form: { cookie: string; ticket: string; csrf: string },
  password: string,
  confirmation = password,
) {
  return fetch(action, {
    method: "POST",
    redirect: "manual",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      cookie: form.cookie,
      origin: "null",
    },
    body: new URLSearchParams({
      ticket: form.ticket,
      csrf: form.csrf,
      password,
      confirmation,
    }).toString(),
  });
}
