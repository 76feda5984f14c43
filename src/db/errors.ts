/** Thrown when the database cannot be opened (busy PGlite directory, unreachable server). */
export class DatabaseOpenError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "DatabaseOpenError";
  }
}
