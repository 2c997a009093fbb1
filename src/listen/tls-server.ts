import { readFile } from "node:fs/promises";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerOptions, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { SecureContextOptions, TLSSocket } from "node:tls";
import { KeypoolError } from "../protocol/keypool-error.js";
import type { TlsFiles } from "./server-credentials.js";
import { watchSources, type SourceWatcher } from "../reload/watch-sources.js";

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** An HTTP listener: plain, or HTTPS (mTLS with a client CA) whose certificate files are re-read when they change. */
export interface HttpListener {
  readonly server: Server;
  /** Stops watching the certificate files. */
  close(): Promise<void>;
}

async function readTls(tls: TlsFiles): Promise<SecureContextOptions & { requestCert: boolean; rejectUnauthorized: boolean }> {
  const read = async (file: string, what: string) => {
    try {
      return await readFile(file);
    } catch {
      throw new KeypoolError("FAILED_PRECONDITION", `${what} ${file} cannot be read`);
    }
  };
  return {
    cert: await read(tls.certFile, "TLS certificate"),
    key: await read(tls.keyFile, "TLS key"),
    ...(tls.clientCaFile === undefined ? {} : { ca: await read(tls.clientCaFile, "client CA") }),
    requestCert: tls.clientCaFile !== undefined,
    rejectUnauthorized: tls.clientCaFile !== undefined,
  };
}

export async function createHttpListener(
  handler: Handler,
  tls: TlsFiles | undefined,
  onReloadError: (err: unknown) => void,
  serverOptions: ServerOptions = {},
): Promise<HttpListener> {
  if (tls === undefined) return { server: createHttpServer(serverOptions, handler), close: async () => {} };
  const server = createHttpsServer({ ...serverOptions, ...(await readTls(tls)) }, handler);
  const files = [tls.certFile, tls.keyFile, ...(tls.clientCaFile === undefined ? [] : [tls.clientCaFile])];
  const watcher: SourceWatcher = await watchSources(files, () => {
    // A half-written renewal fails to parse; the next change event retries, and the old context stays meanwhile.
    readTls(tls).then((options) => server.setSecureContext(options), onReloadError);
  });
  return { server, close: () => watcher.close() };
}

/**
 * The common name of the client's certificate, when the connection is TLS
 * and the certificate was verified against the client CA (mTLS); it can stand
 * for a client token, as on the gRPC listener.
 */
export function verifiedCertificateCn(req: IncomingMessage): string | undefined {
  const socket = req.socket as Partial<TLSSocket>;
  if (socket.encrypted !== true || socket.authorized !== true || typeof socket.getPeerCertificate !== "function") return undefined;
  const cn: unknown = socket.getPeerCertificate().subject?.CN;
  if (Array.isArray(cn)) return typeof cn[0] === "string" ? cn[0] : undefined;
  return typeof cn === "string" ? cn : undefined;
}
