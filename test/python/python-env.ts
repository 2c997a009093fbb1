import { spawn, spawnSync } from "node:child_process";

/** The interpreter that runs the Python client's tests: any that has its dependencies and pytest. */
export const PYTHON = process.env["KEYPOOL_PYTHON"] || "/usr/bin/python3";
/** What a machine needs for the Python client's tests: Debian 12 packages, or a venv of one's own. */
export const PYTHON_PACKAGES =
  "apt-get install -y python3-grpcio python3-protobuf python3-httpx python3-pytest, or set KEYPOOL_PYTHON to a Python where `pip install ./clients/python pytest` ran";
/** What regenerating the Python stubs needs. */
export const PROTOC_PACKAGES = "apt-get install -y protobuf-compiler protobuf-compiler-grpc";

/** Why the Python tests cannot run here, or undefined when they can. */
export function pythonMissing(): string | undefined {
  const probe = spawnSync(PYTHON, ["-c", "import grpc, google.protobuf, httpx, pytest"], { encoding: "utf8" });
  if (probe.error !== undefined) return `${PYTHON} not found`;
  if (probe.status !== 0) return `${PYTHON} lacks ${/No module named '([^']+)'/.exec(probe.stderr)?.[1] ?? "a module"}`;
  return undefined;
}

/** What the OpenAI SDK test needs: the SDK (no Debian package) beside the client, in a venv. */
export const OPENAI_SDK_PACKAGES = "set KEYPOOL_PYTHON to a venv where `pip install ./clients/python pytest openai==3.22.1` ran";

/** Why the OpenAI Python SDK test cannot run here, or undefined when it can. */
export function openAiSdkMissing(): string | undefined {
  const probe = spawnSync(PYTHON, ["-c", "import openai"], { encoding: "utf8" });
  if (probe.error !== undefined) return `${PYTHON} not found`;
  return probe.status === 0 ? undefined : `${PYTHON} lacks openai`;
}

/** Why the stubs cannot be regenerated here, or undefined when they can. */
export function protocMissing(): string | undefined {
  const protoc = spawnSync("protoc", ["--version"], { encoding: "utf8" });
  if (protoc.error !== undefined) return "protoc is not installed";
  if (!/libprotoc 3\.2[01]\./.test(protoc.stdout)) return `protoc is ${protoc.stdout.trim()}, not 3.20/3.21`;
  if (spawnSync("grpc_python_plugin", ["--version"]).error !== undefined) return "grpc_python_plugin is not installed";
  return undefined;
}

export interface Run {
  code: number | null;
  output: string;
}

/** Runs a command without blocking the event loop (the servers it talks to live in this process). */
export function run(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${command} ${args.join(" ")} did not finish in time:\n${output}`));
    }, options.timeoutMs ?? 120_000);
    child.on("error", reject);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}
