import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/index.js";
import { errorsOf, keysOf, okConfig } from "./results.js";

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "keypool-config-"));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

const compatible = JSON.stringify({ openai: { keys: ["${OPENAI_API_KEYS}"] } });

describe("loadConfig", () => {
  it("uses the environment when no config file is named", async () => {
    const config = okConfig(await loadConfig({ env: { OPENAI_API_KEYS: "sk-test-0001" } }));
    expect(keysOf(config, "openai").map((k) => k.secret)).toEqual(["sk-test-0001"]);
  });

  it("uses the config file as the source of truth, env only for interpolation", async () => {
    const configFile = await file("keypool.json", compatible);
    const config = okConfig(
      await loadConfig({ configFile, env: { OPENAI_API_KEYS: "sk-test-0001", GROQ_API_KEYS: "gq-test-0001" } }),
    );
    expect([...config.providers.keys()]).toEqual(["openai"]);
  });

  it("finds the config file through KEYPOOL_CONFIG, and prefers the explicit option", async () => {
    const viaEnv = await file("env.json", JSON.stringify({ groq: { keys: ["gq-test-0001"] } }));
    const explicit = await file("explicit.json", JSON.stringify({ mistral: { keys: ["ms-test-0001"] } }));
    const env = { KEYPOOL_CONFIG: viaEnv };
    expect([...okConfig(await loadConfig({ env })).providers.keys()]).toEqual(["groq"]);
    expect([...okConfig(await loadConfig({ configFile: explicit, env })).providers.keys()]).toEqual(["mistral"]);
  });

  it("lets env-file values override the environment, for both sources", async () => {
    const envFile = await file(".env", "# keys\nOPENAI_API_KEYS=sk-test-0002,sk-test-0003\nOPENAI_KEY_RPM=30\n");
    const env = { OPENAI_API_KEYS: "sk-test-0001" };
    const fromEnv = okConfig(await loadConfig({ envFile, env }));
    expect(keysOf(fromEnv, "openai").map((k) => [k.secret, k.rpm])).toEqual([
      ["sk-test-0002", 30],
      ["sk-test-0003", 30],
    ]);
    const configFile = await file("keypool.json", compatible);
    const fromFile = okConfig(await loadConfig({ configFile, envFile, env }));
    expect(keysOf(fromFile, "openai").map((k) => k.secret)).toEqual(["sk-test-0002", "sk-test-0003"]);
  });

  it("reads the env file on every call, so a reload sees edits", async () => {
    const envFile = await file(".env", "OPENAI_API_KEYS=sk-test-0001\n");
    expect(keysOf(okConfig(await loadConfig({ envFile, env: {} })), "openai")).toHaveLength(1);
    await writeFile(envFile, "OPENAI_API_KEYS=sk-test-0001,sk-test-0002\n");
    expect(keysOf(okConfig(await loadConfig({ envFile, env: {} })), "openai")).toHaveLength(2);
  });

  it("can take KEYPOOL_CONFIG from the env file", async () => {
    const configFile = await file("keypool.json", JSON.stringify({ xai: { keys: ["xai-test-0001"] } }));
    const envFile = await file(".env", `KEYPOOL_CONFIG=${configFile}\n`);
    expect([...okConfig(await loadConfig({ envFile, env: {} })).providers.keys()]).toEqual(["xai"]);
  });

  it("turns unreadable files into errors", async () => {
    const missing = join(dir, "nope.json");
    expect(errorsOf(await loadConfig({ configFile: missing, env: {} }))).toEqual([`config file ${missing}: not found`]);
    expect(errorsOf(await loadConfig({ envFile: missing, env: {} }))).toEqual([`env file ${missing}: not found`]);
    expect(errorsOf(await loadConfig({ configFile: dir, env: {} }))).toEqual([`config file ${dir}: is a directory`]);
  });

  it("names the file in document errors", async () => {
    const configFile = await file("broken.json", '{\n  "openai": {"keys": ["sk-test-0001"]\n');
    expect(errorsOf(await loadConfig({ configFile, env: {} }))).toEqual([
      `${configFile}: invalid JSON at line 3, column 1: unexpected end of input`,
    ]);
  });
});
