/**
 * URL of a file the app ships in public/ (e.g. the bundled sample CSV). In a served build that is a
 * same-origin URL; the single-file build swaps this module (build/single.ts) for one that inlines the
 * files and hands out blob: URLs, because a page opened from file:// cannot fetch its neighbours.
 */
export function publicFileUrl(name: string): string {
  return new URL(name, (globalThis as { document?: { baseURI: string } }).document?.baseURI ?? (globalThis as { location?: { href: string } }).location?.href).href;
}
