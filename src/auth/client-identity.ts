/** Who is calling, as far as authorization is concerned. Never carries the token itself. */
export interface ClientIdentity {
  /** Client name from the tokens file; "" for the anonymous caller when no tokens are configured. */
  readonly name: string;
  /** Providers it may lease from; undefined means every provider. */
  readonly providers: ReadonlySet<string> | undefined;
  /** May call ReloadConfig and the admin HTTP endpoints. */
  readonly admin: boolean;
  /** May see keys' state reasons and limits in statistics (administrators always may). */
  readonly stats: boolean;
  /** Its UNAUTHORIZED report alone disables a key, without waiting for other clients to confirm it. */
  readonly trusted: boolean;
}

/** The caller when no tokens are configured: local-only deployments, where reaching the socket is the permission. */
export const ANONYMOUS: ClientIdentity = Object.freeze({ name: "", providers: undefined, admin: true, stats: true, trusted: false });

export function mayUse(client: ClientIdentity, provider: string): boolean {
  return client.providers === undefined || client.providers.has(provider);
}

/** Keys' state reasons and limits say how a provider account is doing: only for administrators and the `stats` right. */
export function maySeeKeyDetails(client: ClientIdentity): boolean {
  return client.admin || client.stats;
}
