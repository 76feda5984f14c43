import { z } from "zod";

/** Who a set-password modal is about; travels in the view's private_metadata. */
export interface SetPasswordTarget {
  userId: number;
  email: string;
  name: string | null;
  connection: string;
}

const schema = z.object({
  userId: z.number().int().positive(),
  email: z.string(),
  name: z.string().nullable(),
  connection: z.string(),
});

export function encodeTarget(target: SetPasswordTarget): string {
  return JSON.stringify(target);
}

/** Undefined for anything Passdesk did not write: private_metadata comes back from the client. */
export function decodeTarget(metadata: string | undefined): SetPasswordTarget | undefined {
  try {
    const parsed = schema.safeParse(JSON.parse(metadata ?? ""));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
