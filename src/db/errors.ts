/** Thrown when the database cannot be opened (busy PGlite directory, unreachable server). */
export class DatabaseOpenError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "DatabaseOpenError";
  }
}

/** The embedded database's directory is held by another live process (a server, or a command). */
export class DataDirInUseError extends DatabaseOpenError {
  constructor(
    readonly dataDir: string,
    readonly ownerPid: number,
  ) {
    super(
      `the embedded database at ${dataDir} is in use by process ${ownerPid}; stop it or set DATABASE_URL`,
    );
    this.name = "DataDirInUseError";
  }
}
