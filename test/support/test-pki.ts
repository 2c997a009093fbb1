import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

export interface Pki {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  otherCaCert: string;
  strangerCert: string;
  strangerKey: string;
  /** A server certificate for the same names, from the other CA (a renewal). */
  otherServerCert: string;
  otherServerKey: string;
}

function openssl(dir: string, args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: "ignore" });
}

function issue(dir: string, ca: string, name: string, cn: string, ext: string): void {
  openssl(dir, ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", `${name}.key`, "-subj", `/CN=${cn}`, "-out", `${name}.csr`]);
  writeFileSync(join(dir, `${name}.ext`), ext);
  openssl(dir, [
    "x509", "-req", "-in", `${name}.csr`, "-CA", `${ca}.crt`, "-CAkey", `${ca}.key`, "-CAcreateserial",
    "-days", "2", "-out", `${name}.crt`, "-extfile", `${name}.ext`,
  ]);
}

/** A throwaway CA, a server certificate for 127.0.0.1/localhost, a client certificate, and a second, untrusted CA with its own client. */
export function makePki(dir: string): Pki {
  for (const ca of ["ca", "other-ca"]) {
    openssl(dir, ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", `${ca}.key`, "-out", `${ca}.crt`, "-days", "2", "-subj", `/CN=keypool test ${ca}`]);
  }
  issue(dir, "ca", "server", "localhost", "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
  issue(dir, "ca", "client", "batch.internal", "extendedKeyUsage=clientAuth\n");
  issue(dir, "other-ca", "stranger", "batch.internal", "extendedKeyUsage=clientAuth\n");
  issue(dir, "other-ca", "other-server", "localhost", "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
  const p = (f: string) => join(dir, f);
  return {
    dir,
    caCert: p("ca.crt"),
    serverCert: p("server.crt"),
    serverKey: p("server.key"),
    clientCert: p("client.crt"),
    clientKey: p("client.key"),
    otherCaCert: p("other-ca.crt"),
    strangerCert: p("stranger.crt"),
    strangerKey: p("stranger.key"),
    otherServerCert: p("other-server.crt"),
    otherServerKey: p("other-server.key"),
  };
}
