/**
 * `--name value` and `--flag` arguments of a benchmark script. Unknown names
 * are errors, so a typo does not silently run the default.
 */
export function parseArgs<T extends Record<string, string | number | boolean>>(argv: readonly string[], defaults: T): T {
  const out: Record<string, string | number | boolean> = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith("--")) throw new Error(`unexpected argument ${JSON.stringify(arg)}`);
    const name = arg.slice(2).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    if (!(name in defaults)) throw new Error(`unknown option ${arg}; known: ${Object.keys(defaults).map(kebab).join(", ")}`);
    const def = defaults[name];
    if (typeof def === "boolean") {
      out[name] = true;
      continue;
    }
    const value = argv[++i];
    if (value === undefined) throw new Error(`option ${arg} needs a value`);
    if (typeof def === "number") {
      const n = Number(value);
      if (!Number.isFinite(n)) throw new Error(`option ${arg}: expected a number, got ${JSON.stringify(value)}`);
      out[name] = n;
    } else {
      out[name] = value;
    }
  }
  return out as T;
}

function kebab(name: string): string {
  return "--" + name.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase());
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
