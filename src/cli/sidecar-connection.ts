import { readFileSync } from "node:fs";
import { credentials, Metadata, type ChannelCredentials } from "@grpc/grpc-js";
import { KeyPoolServiceClient } from "../../clients/typescript/src/gen/keypool/v1/keypool.js";
import { resolveClientToken, type TokenOptions } from "./client-token.js";

/** How a command reaches a running sidecar. */
export interface ConnectionOptions extends TokenOptions {
  target: string;
  /** PEM CA to verify a TLS sidecar with; without it the connection is plaintext. */
  ca?: string;
  /** Client certificate and key for mTLS. */
  clientCert?: string;
  clientKey?: string;
}

/**
 * The client and the metadata of each call; undefined, with the reason on
 * stderr and exit code 2, when the token options are wrong.
 */
export function connect(opts: ConnectionOptions): { client: KeyPoolServiceClient; metadata: () => Metadata } | undefined {
  const resolved = resolveClientToken(opts, process.env);
  if (!resolved.ok) {
    process.stderr.write(`keypool: ${resolved.error}\n`);
    process.exitCode = 2;
    return undefined;
  }
  if (resolved.warning !== undefined) process.stderr.write(`${resolved.warning}\n`);
  const token = resolved.token;
  let creds: ChannelCredentials = credentials.createInsecure();
  if (opts.ca !== undefined) {
    creds = credentials.createSsl(
      readFileSync(opts.ca),
      opts.clientKey === undefined ? null : readFileSync(opts.clientKey),
      opts.clientCert === undefined ? null : readFileSync(opts.clientCert),
    );
  }
  const metadata = () => {
    const md = new Metadata();
    if (token !== undefined) md.set("authorization", `Bearer ${token}`);
    return md;
  };
  return { client: new KeyPoolServiceClient(opts.target, creds), metadata };
}
