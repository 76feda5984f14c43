/** Link tokens are 43 characters; anything much longer is not one, and is not looked up. */
export const MAX_TOKEN_CHARS = 100;

/** The reset page's error pages, by what went wrong. */
export const PAGES = {
  tooLarge: {
    title: "Request too large",
    message: "The form was too large. Please go back and try again.",
  },
  unreadable: {
    title: "Invalid form",
    message: "The form could not be read. Please open the link from your email again.",
  },
  illFormedForm: {
    title: "Invalid characters",
    message:
      "The form contained text that is not valid Unicode, so nothing was changed. Please open the link from your email again and type your new password.",
  },
  illFormedLink: {
    title: "Invalid characters",
    message:
      "This link contains text that is not valid Unicode. Copy the whole link from the email and paste it into your browser’s address bar.",
  },
  unavailable: {
    title: "Temporarily unavailable",
    message: "We could not load this page. Please try again in a minute.",
  },
  storeUnavailable: {
    title: "Please try again in a minute",
    message:
      "We could not reach the account system to save your password, so it was not changed. Your link still works: please try again in a minute.",
  },
  storeUnconfirmed: {
    title: "Your password is being saved",
    message:
      "The account system did not confirm your new password in time. Passdesk is sending it again and will finish within two minutes: then sign in with your new password. If it does not work by then, ask for a new reset email.",
  },
  notChanged: {
    title: "Temporarily unavailable",
    message: "Your password was not changed. Please try again in a minute.",
  },
} as const;
