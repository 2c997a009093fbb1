import { readFileSync } from "node:fs";
import { credentials, Metadata, type ChannelCredentials } from "@grpc/grpc-js";
import { KeyPoolServiceClient } from "../../clients/typescript/src/gen/keypool/v1/keypool.js";

/** How a command reaches a running sidecar. */
export interface ConnectionOptions {
  target: string;
  /** Client token; KEYPOOL_TOKEN is preferred, since arguments show in process lists. */
  token?: string;
  /** PEM CA to verify a TLS sidecar with; without it the connection is plaintext. */
  ca?: string;
  /** Client certificate and key for mTLS. */
  clientCert?: string;
  clientKey?: string;
}

export function connect(opts: ConnectionOptions): { client: KeyPoolServiceClient; metadata: () => Metadata } {
  let creds: ChannelCredentials = credentials.createInsecure();
  if (opts.ca !== undefined) {
    creds = credentials.createSsl(
      readFileSync(opts.ca),
      opts.clientKey === undefined ? null : readFileSync(opts.clientKey),
      opts.clientCert === undefined ? null : readFileSync(opts.clientCert),
    );
  }
  const token = opts.token ?? (process.env["KEYPOOL_TOKEN"] || undefined);
  const metadata = () => {
    const md = new Metadata();
    if (token !== undefined) md.set("authorization", `Bearer ${token}`);
    return md;
  };
  return { client: new KeyPoolServiceClient(opts.target, creds), metadata };
}
