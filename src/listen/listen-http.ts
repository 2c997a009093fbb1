import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { ListenAddress } from "./listen-address.js";

/** Binds a Node HTTP(S) server to `addr`; resolves with the TCP port it got (0 for a unix: socket), rejects on a bind error. */
export function listenHttp(server: Server, addr: ListenAddress): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once("error", onError);
    const done = () => {
      server.removeListener("error", onError);
      const bound = server.address();
      resolve(typeof bound === "object" && bound !== null ? (bound as AddressInfo).port : 0);
    };
    if (addr.kind === "unix") server.listen(addr.path, done);
    else server.listen(addr.port, addr.host.replace(/^\[(.*)\]$/, "$1"), done);
  });
}
