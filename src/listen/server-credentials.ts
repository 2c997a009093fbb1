import { experimental, ServerCredentials } from "@grpc/grpc-js";
import { KeypoolError } from "../protocol/keypool-error.js";

export interface TlsFiles {
  /** PEM certificate chain of the server. */
  readonly certFile: string;
  /** PEM private key of the server. */
  readonly keyFile: string;
  /** PEM CA bundle that client certificates must chain to; set for mTLS. */
  readonly clientCaFile?: string | undefined;
  /** How often the files are re-read; default CERT_REFRESH_MS. */
  readonly refreshMs?: number | undefined;
}

/** How often certificate files are re-read, so that a renewed certificate is served without a restart. */
export const CERT_REFRESH_MS = 10_000;

/**
 * Server credentials: plaintext without TLS files; otherwise TLS (mTLS with a
 * client CA) from PEM files that grpc-js re-reads periodically, so rotated
 * certificates take effect without a restart. Resolves once the files have
 * been read, so the first connection is not turned away, and rejects with
 * the file at fault when they cannot be.
 */
export async function serverCredentials(tls: TlsFiles | undefined): Promise<ServerCredentials> {
  if (tls === undefined) return ServerCredentials.createInsecure();
  const refreshMs = tls.refreshMs ?? CERT_REFRESH_MS;
  const identity = new experimental.FileWatcherCertificateProvider({
    certificateFile: tls.certFile,
    privateKeyFile: tls.keyFile,
    refreshIntervalMs: refreshMs,
  });
  await firstUpdate((l) => identity.addIdentityCertificateListener(l), (l) => identity.removeIdentityCertificateListener(l), `TLS certificate ${tls.certFile} or key ${tls.keyFile}`);
  if (tls.clientCaFile === undefined) return experimental.createCertificateProviderServerCredentials(identity, null, false);
  const ca = new experimental.FileWatcherCertificateProvider({ caCertificateFile: tls.clientCaFile, refreshIntervalMs: refreshMs });
  await firstUpdate((l) => ca.addCaCertificateListener(l), (l) => ca.removeCaCertificateListener(l), `client CA ${tls.clientCaFile}`);
  // grpc-js takes the identity provider first despite the parameter's name.
  return experimental.createCertificateProviderServerCredentials(identity, ca, true);
}

type Listener = (update: object | null) => void;

function firstUpdate(add: (l: Listener) => void, remove: (l: Listener) => void, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const listener: Listener = (update) => {
      // Removed on the next turn: the provider may still be iterating its listeners.
      setImmediate(() => remove(listener));
      if (update === null) reject(new KeypoolError("FAILED_PRECONDITION", `${what} cannot be read`));
      else resolve();
    };
    add(listener);
  });
}
