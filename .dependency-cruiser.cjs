/**
 * The layers of keypool (docs/architecture): data flows down, never back up.
 * `npm run lint:deps` fails on any import against them and on any cycle
 * between folders.
 */
const TRANSPORT = "^src/(grpc|http|proxy|listen)/";
const NODE_NET = "^(node:)?(net|http|https|http2|tls|dgram)$";

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "core-without-transport",
      comment: "The pool and its stores know nothing of gRPC, HTTP, the proxy, telemetry or the process edge.",
      severity: "error",
      from: { path: "^src/(pool|store)/" },
      to: { path: [TRANSPORT, "^src/(telemetry|cli|demo|reload|auth)/", "^src/keypool-server\\.ts$", "^src/observability\\.ts$", "@grpc/"] },
    },
    {
      name: "core-without-sockets",
      comment: "The pool and its stores open no socket and serve no request.",
      severity: "error",
      from: { path: "^src/(pool|store)/" },
      to: { dependencyTypes: ["core"], path: NODE_NET },
    },
    {
      name: "config-without-transport",
      comment: "Configuration is parsed and validated without any transport.",
      severity: "error",
      from: { path: "^src/config/" },
      to: { path: [TRANSPORT, "^src/(telemetry|cli|demo|pool|store|reload)/", "^src/keypool-server\\.ts$", "@grpc/"] },
    },
    {
      name: "kernel-stands-alone",
      comment: "The shared kernel is imported by the server and the clients; it imports only itself and the generated stubs.",
      severity: "error",
      from: { path: "^src/(protocol|provider-http)/" },
      to: { path: "^(src|clients)/", pathNot: ["^src/(protocol|provider-http)/", "^clients/typescript/src/gen/"] },
    },
    {
      name: "client-imports-kernel-only",
      comment: "Of src/, the TypeScript client imports the shared kernel alone.",
      severity: "error",
      from: { path: "^clients/typescript/src/" },
      to: { path: "^src/", pathNot: "^src/(protocol|provider-http)/" },
    },
    {
      name: "generated-stands-alone",
      comment: "Generated stubs import nothing of the project but themselves.",
      severity: "error",
      from: { path: "^clients/typescript/src/gen/" },
      to: { path: "^(src|clients)/", pathNot: "^clients/typescript/src/gen/" },
    },
    {
      name: "composition-root-only-from-edge",
      comment: "Nothing imports the composition root but the process edge.",
      severity: "error",
      from: { path: "^(src|clients)/", pathNot: "^src/(cli|demo)/" },
      to: { path: "^src/keypool-server\\.ts$" },
    },
    {
      name: "transport-not-from-below",
      comment: "Telemetry, listening and the kernel sit below the transports and never import them.",
      severity: "error",
      from: { path: "^src/(telemetry|listen|reload|auth|clock)/" },
      to: { path: ["^src/(grpc|http|proxy|cli|demo)/", "^src/keypool-server\\.ts$"] },
    },
    {
      name: "transports-apart",
      comment: "gRPC, admin HTTP and the proxy share listening through src/listen, not through each other.",
      severity: "error",
      from: { path: "^src/(grpc|http|proxy)/" },
      to: { path: "^src/(grpc|http|proxy)/", pathNot: "^src/$1/" },
    },
    {
      name: "demo-not-cli",
      comment: "The command line starts the demo; the demo never reaches back into the command line.",
      severity: "error",
      from: { path: "^src/demo/" },
      to: { path: "^src/cli/" },
    },
    {
      name: "no-folder-cycles",
      comment: "Folders depend on each other in one direction only.",
      severity: "error",
      scope: "folder",
      from: {},
      to: { circular: true },
    },
    {
      name: "no-module-cycles",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    {
      name: "no-test-code-in-src",
      comment: "Test helpers stay out of what ships.",
      severity: "error",
      from: { path: "^(src|clients)/" },
      to: { path: "^test/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: ["\\.test\\.ts$", "^dist/"] },
    // TypeScript 7 has no compiler API for dependency-cruiser 17 to parse with; swc reads the sources, type-only imports included.
    parser: "swc",
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      extensions: [".ts", ".js"],
      conditionNames: ["import", "require", "node", "default"],
    },
  },
};
