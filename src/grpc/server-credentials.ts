import { experimental, ServerCredentials } from "@grpc/grpc-js";

export interface TlsFiles {
  /** PEM certificate chain of the server. */
  readonly certFile: string;
  /** PEM private key of the server. */
  readonly keyFile: string;
  /** PEM CA bundle that client certificates must chain to; set for mTLS. */
  readonly clientCaFile?: string | undefined;
}

/** How often certificate files are re-read, so that a renewed certificate is served without a restart. */
export const CERT_REFRESH_MS = 10_000;

/**
 * Server credentials: plaintext without TLS files; otherwise TLS (mTLS with a
 * client CA) from PEM files that grpc-js re-reads periodically, so rotated
 * certificates take effect without a restart.
 */
export function serverCredentials(tls: TlsFiles | undefined, refreshMs = CERT_REFRESH_MS): ServerCredentials {
  if (tls === undefined) return ServerCredentials.createInsecure();
  const identity = new experimental.FileWatcherCertificateProvider({
    certificateFile: tls.certFile,
    privateKeyFile: tls.keyFile,
    refreshIntervalMs: refreshMs,
  });
  if (tls.clientCaFile === undefined) return experimental.createCertificateProviderServerCredentials(identity, null, false);
  const ca = new experimental.FileWatcherCertificateProvider({ caCertificateFile: tls.clientCaFile, refreshIntervalMs: refreshMs });
  // grpc-js takes the identity provider first despite the parameter's name.
  return experimental.createCertificateProviderServerCredentials(identity, ca, true);
}
