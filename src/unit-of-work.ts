/**
 * Runs `work` with ports bound to one database transaction: what it does commits as a whole, or
 * not at all. A domain function names the ports it needs inside one, e.g.
 * `Transaction<{ tickets: TicketStore; audit: AuditLog }>`; the database adapter provides it.
 */
export type Transaction<Ports> = <T>(work: (ports: Ports) => Promise<T>) => Promise<T>;
