/** What we know about the user, as stored on their account. */
export interface PersonalData {
  email: string;
  name?: string | null;
  givenName?: string | null;
  familyName?: string | null;
  nickname?: string | null;
  username?: string | null;
}

// Shorter terms ("Al", "Li") would reject most passwords while protecting nothing.
const MIN_TERM_LENGTH = 3;
const SEPARATORS = /[^\p{L}\p{M}\p{N}]+/u;

/**
 * Whether the password contains, ignoring case, the email's local part, a name, the username,
 * or any word of 3+ characters within them ("Jane Doe" → "jane doe", "jane", "doe"): Auth0's
 * "no personal data" looks at the same fields.
 */
export function containsPersonalData(password: string, personal: PersonalData): boolean {
  const haystack = password.normalize("NFC").toLowerCase();
  return listPersonalTerms(personal).some((term) => haystack.includes(term));
}

function listPersonalTerms(personal: PersonalData): string[] {
  const values = [
    extractLocalPart(personal.email),
    personal.name,
    personal.givenName,
    personal.familyName,
    personal.nickname,
    personal.username,
  ];
  const terms = new Set<string>();
  for (const value of values) {
    if (!value) continue;
    const whole = value.normalize("NFC").toLowerCase().trim();
    for (const term of [whole, ...whole.split(SEPARATORS)]) {
      if ([...term].length >= MIN_TERM_LENGTH) terms.add(term);
    }
  }
  return [...terms];
}

// The last "@" separates the domain; a quoted local part may itself contain "@".
function extractLocalPart(email: string): string {
  const at = email.lastIndexOf("@");
  return at === -1 ? email : email.slice(0, at);
}
