import { readFile } from "node:fs/promises";
import { resolveEnv } from "../config/load-config.js";
import type { Env } from "../config/interpolate.js";
import { invalidConfig, KeypoolError } from "../protocol/keypool-error.js";
import { AuthFailures, type AuthAttempt, type AuthFailureReason } from "./auth-failures.js";
import { ANONYMOUS, mayUse, type ClientIdentity } from "./client-identity.js";
import type { ClientRegistry } from "./client-registry.js";
import { parseTokensDocument } from "./tokens-document.js";

/**
 * Who may call, swapped whole on reload like the pool configuration. With no
 * tokens file every caller is anonymous and may do everything: that is the
 * loopback-or-socket deployment, where reaching the listener is the permission.
 */
export class AuthState {
  private registry: ClientRegistry | undefined;

  constructor(
    private readonly source: { tokensFile?: string | undefined; envFile?: string | undefined; env: Env } = { env: {} },
    /** Failed authentications of every listener, counted and slowed per source. */
    readonly failures: AuthFailures = new AuthFailures(),
  ) {}

  get enabled(): boolean {
    return this.source.tokensFile !== undefined;
  }

  /** Configured clients; 0 without a tokens file, where every caller is the one anonymous client. */
  get clientCount(): number {
    return this.registry?.clients.length ?? 0;
  }

  /** Reads and validates the tokens file; on error the previous registry stays and the errors are thrown. */
  async load(): Promise<void> {
    const file = this.source.tokensFile;
    if (file === undefined) return;
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch {
      throw invalidConfig("tokens file rejected", [`tokens file ${file}: cannot be read`]);
    }
    const env = await resolveEnv(this.source);
    const result = env.ok ? parseTokensDocument(text, env.value, file) : { ok: false as const, errors: [env.error] };
    if (!result.ok) throw invalidConfig("tokens file rejected", result.errors);
    this.registry = result.registry;
  }

  /** Replaces the registry directly (tests, embedding). */
  use(registry: ClientRegistry): void {
    this.registry = registry;
  }

  /**
   * The caller's identity from a bearer token or, under mTLS, a verified
   * certificate's common name. UNAUTHENTICATED when tokens are configured and
   * neither matches.
   */
  authenticate(bearer: string | undefined, certificateCn: string | undefined): ClientIdentity {
    const found = this.identify(bearer, certificateCn);
    if ("failure" in found) throw found.error;
    return found.client;
  }

  /**
   * As `authenticate`, for a listener: a failure is counted, logged and
   * answered after the source's penalty (see AuthFailures), so the rejection
   * this rejects with may come late or be RESOURCE_EXHAUSTED. A valid token
   * is never slowed, whatever its address did before.
   */
  async authenticateAttempt(bearer: string | undefined, certificateCn: string | undefined, attempt: AuthAttempt): Promise<ClientIdentity> {
    const found = this.identify(bearer, certificateCn);
    if ("failure" in found) throw await this.failures.answer(found.error, found.failure, attempt);
    return found.client;
  }

  private identify(
    bearer: string | undefined,
    certificateCn: string | undefined,
  ): { client: ClientIdentity } | { failure: AuthFailureReason; error: KeypoolError } {
    if (!this.enabled) return { client: ANONYMOUS };
    const registry = this.registry;
    if (registry === undefined) throw new KeypoolError("UNAVAILABLE", "client tokens are not loaded");
    if (bearer !== undefined && bearer !== "") {
      const client = registry.byToken(bearer);
      if (client !== undefined) return { client };
      return { failure: "invalid_token", error: new KeypoolError("UNAUTHENTICATED", "invalid client token") };
    }
    if (certificateCn !== undefined) {
      const client = registry.byCertificate(certificateCn);
      if (client !== undefined) return { client };
    }
    return {
      failure: "missing_token",
      error: new KeypoolError("UNAUTHENTICATED", "a client token is required (authorization: Bearer <token>)"),
    };
  }

  static requireProvider(client: ClientIdentity, provider: string): void {
    if (!mayUse(client, provider)) {
      throw new KeypoolError("PERMISSION_DENIED", `provider: outside the scope of client ${client.name}`);
    }
  }

  static requireAdmin(client: ClientIdentity): void {
    if (!client.admin) throw new KeypoolError("PERMISSION_DENIED", `client ${client.name} is not an administrator`);
  }
}
