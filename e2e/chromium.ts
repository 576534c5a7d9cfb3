/** Flags for Debian's headless Chromium, shared by the e2e tests and the browser bench: WebGPU on, no network of its own. */
export const CHROMIUM_ARGS = [
  '--enable-unsafe-webgpu',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
