// Debian's Chromium as the dashboard's screenshot script and browser tests start it (through playwright-core,
// which brings no browser of its own). Headless, as root, on a machine whose network is closed: the flags keep
// Chromium from reaching out at start, and from refusing to run without a sandbox.
export const CHROMIUM_PATH = "/usr/bin/chromium";
export const CHROMIUM_INSTALL = "apt-get install -y chromium";
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
