// Copies the dashboard's static files (src/http/dashboard) beside the compiled admin server
// (dist/src/http/dashboard), so that the published package serves them. Part of `npm run build`.
import { copyFileSync, mkdirSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

const from = fileURLToPath(new URL("../src/http/dashboard/", import.meta.url));
const to = fileURLToPath(new URL("../dist/src/http/dashboard/", import.meta.url));
mkdirSync(to, { recursive: true });
for (const entry of readdirSync(from, { withFileTypes: true })) {
  if (entry.isFile()) copyFileSync(from + entry.name, to + entry.name);
}
