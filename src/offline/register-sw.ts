/**
 * Register the precaching service worker (emitted by build/pwa.ts as ./sw.js next to index.html).
 * Skipped where it cannot or must not run: file:// (the single-file build), no serviceWorker API,
 * or the Vite dev server (no sw.js there).
 */
export interface SwStatus {
  registered: boolean;
  reason?: string;
}

export async function registerServiceWorker(url = './sw.js'): Promise<SwStatus> {
  const g = globalThis as { location?: Location; navigator?: Navigator; __DOPPEL_SINGLE_FILE__?: boolean };
  if (!g.navigator || !('serviceWorker' in g.navigator)) return { registered: false, reason: 'no service worker API' };
  if (g.location?.protocol === 'file:' || g.__DOPPEL_SINGLE_FILE__) return { registered: false, reason: 'single-file build' };
  if (!(g as { isSecureContext?: boolean }).isSecureContext) return { registered: false, reason: 'insecure context' };
  try {
    // Already installed (e.g. reloading offline): let the browser check for updates itself.
    if (g.navigator.serviceWorker.controller) {
      await g.navigator.serviceWorker.register(url, { scope: './' }).catch(() => undefined);
      return { registered: true };
    }
    // A HEAD probe keeps the dev server (which has no sw.js) from logging a failed registration.
    const probe = await fetch(url, { method: 'HEAD', cache: 'no-store' });
    if (!probe.ok || !(probe.headers.get('content-type') ?? '').includes('javascript')) return { registered: false, reason: 'no sw.js (dev server)' };
    await g.navigator.serviceWorker.register(url, { scope: './' });
    return { registered: true };
  } catch (e) {
    return { registered: false, reason: e instanceof Error ? e.message : String(e) };
  }
}

/** Resolves once the app is fully precached and this page is controlled (offline-ready). */
export async function offlineReady(): Promise<boolean> {
  const sw = (globalThis as { navigator?: Navigator }).navigator?.serviceWorker;
  if (!sw) return false;
  await sw.ready;
  if (sw.controller) return true;
  await new Promise<void>((resolve) => sw.addEventListener('controllerchange', () => resolve(), { once: true }));
  return true;
}
