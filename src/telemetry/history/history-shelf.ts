/**
 * A place where each sidecar keeps a record of named text fields that every
 * other sidecar can read: the shared store. The record of a sidecar that
 * stops writing disappears `ttlMs` after its last write.
 */
export interface HistoryShelf {
  /**
   * Sets these fields of `record` (others stay) and keeps it, and its name in
   * the list of records, for ttlMs from `now`. Resolves to whether the record
   * was there before: false after the store lost it (flushed, restarted).
   */
  write(record: string, fields: ReadonlyMap<string, string>, ttlMs: number, now: number): Promise<boolean>;
  /** The records written at or after `since`, but `except`: for each, the fields asked for (null where absent). */
  read(fields: readonly string[], since: number, except: string): Promise<readonly ShelfRecord[]>;
}

export interface ShelfRecord {
  readonly record: string;
  readonly values: readonly (string | null)[];
}
