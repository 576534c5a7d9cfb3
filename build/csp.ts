/**
 * The Content-Security-Policy Doppel ships with, as a <meta> tag injected into index.html (and the same
 * text for preview-server headers). Nothing remote: every directive is 'self' or a local scheme.
 * - script-src 'wasm-unsafe-eval': compiling the tfjs wasm module (no JS eval is allowed).
 * - worker-src blob:: the single-file build starts its inlined workers from blob: URLs.
 * - connect-src blob: data:: the single-file build fetches its inlined wasm from data: URLs.
 * - style-src 'unsafe-inline': React/recharts set inline style attributes; still no remote styles.
 */
import type { Plugin } from 'vite';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface CspOptions {
  /** Hashes ('sha256-…') of inline scripts (the single-file build inlines its bundle). */
  scriptHashes?: string[];
}

export function contentSecurityPolicy(opts: CspOptions = {}): string {
  const scripts = ["'self'", "'wasm-unsafe-eval'", ...(opts.scriptHashes ?? []).map((h) => `'${h}'`)];
  return [
    "default-src 'self'",
    `script-src ${scripts.join(' ')}`,
    "worker-src 'self' blob:",
    "connect-src 'self' blob: data:",
    "img-src 'self' blob: data:",
    "style-src 'self' 'unsafe-inline'",
    "font-src 'self'",
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'none'",
  ].join('; ');
}

export function sha256(text: string): string {
  return 'sha256-' + createHash('sha256').update(text, 'utf8').digest('base64');
}

const META_RE = /<meta http-equiv="Content-Security-Policy"[^>]*>\s*/i;

function injectMeta(html: string, csp: string): string {
  const tag = `<meta http-equiv="Content-Security-Policy" content="${csp}" />`;
  html = html.replace(META_RE, '');
  // First in <head>: a CSP meta only governs what comes after it.
  return html.replace(/<head>/i, `<head>\n    ${tag}`);
}

/** Inline <script> bodies (what the single-file build produces), for hashing. */
export function inlineScripts(html: string): string[] {
  const out: string[] = [];
  const re = /<script\b(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/gi;
  for (let m; (m = re.exec(html)); ) if (m[1].length) out.push(m[1]);
  return out;
}

/**
 * Vite plugin: inject the CSP meta in every built HTML page (not in dev: Vite's dev client uses inline
 * scripts and a websocket). With `hashInlineScripts` (single-file build) it runs last and allows exactly
 * the inlined scripts by hash.
 */
export function cspPlugin(opts: { hashInlineScripts?: boolean } = {}): Plugin {
  return {
    name: 'doppel-csp',
    apply: 'build',
    enforce: 'post',
    transformIndexHtml: {
      order: 'post',
      handler(html) {
        if (opts.hashInlineScripts) return html; // done in generateBundle once everything is inlined
        return injectMeta(html, contentSecurityPolicy());
      },
    },
    // After every other plugin (vite-plugin-singlefile inlines in generateBundle): rewrite on disk.
    writeBundle(options, bundle) {
      if (!opts.hashInlineScripts) return;
      for (const f of Object.values(bundle)) {
        if (!f.fileName.endsWith('.html')) continue;
        const file = path.join(options.dir ?? 'dist', f.fileName);
        const html = readFileSync(file, 'utf8');
        const hashes = inlineScripts(html).map(sha256);
        writeFileSync(file, injectMeta(html, contentSecurityPolicy({ scriptHashes: hashes })));
      }
    },
  };
}
