/** The font stack of the built-in emails, inline: many mail clients strip <style>. */
export const FONT = "font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif";
