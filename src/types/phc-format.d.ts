// The part of @phc/format's API Passdesk uses (the package ships no types).
declare module "@phc/format" {
  export interface PhcObject {
    id: string;
    version?: number;
    /** Serialised in the object's key order. */
    params?: Record<string, string | number>;
    salt?: Buffer;
    hash?: Buffer;
  }
  export function serialize(opts: PhcObject): string;
  export function deserialize(phcstr: string): PhcObject;
}
