export type { ChecklistItem } from "./checklist.ts";
export type { PageContext } from "./layout.ts";
export { type ResetFormView, renderResetForm } from "./reset-form.ts";
export { renderErrorPage, renderResetSuccess } from "./result-pages.ts";
export { renderTicketProblem } from "./ticket-problem.ts";
