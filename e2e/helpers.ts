import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, type BrowserContext, type Page } from '@playwright/test';

export const DATA_DIR = path.resolve(process.cwd(), '../shared/data');

export function readData(name: string): Buffer {
  return readFileSync(path.join(DATA_DIR, name));
}

/** Drop bytes as a File on a drop zone (the table's, unless another is named), the way a user's drag and drop does. */
export async function dropFile(page: Page, name: string, bytes: Buffer | Uint8Array, type = 'text/csv', zoneId = 'dropzone'): Promise<void> {
  const zone = page.getByTestId(zoneId);
  await zone.waitFor();
  await zone.evaluate(
    (el, { name, b64, type }) => {
      const bin = atob(b64);
      const arr = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) arr[i] = bin.charCodeAt(i);
      const file = new File([arr], name, { type });
      const dt = new DataTransfer();
      dt.items.add(file);
      for (const kind of ['dragenter', 'dragover', 'drop']) el.dispatchEvent(new DragEvent(kind, { dataTransfer: dt, bubbles: true, cancelable: true }));
    },
    { name, b64: Buffer.from(bytes).toString('base64'), type },
  );
}

/**
 * Record every request the page, its workers and any service worker make. Zero egress: everything must
 * come from the page's own origin (data: and blob: URLs are local).
 */
export function recordRequests(context: BrowserContext, page: Page): Set<string> {
  const urls = new Set<string>();
  context.on('request', (r) => urls.add(r.url()));
  page.on('request', (r) => urls.add(r.url()));
  page.on('worker', (w) => urls.add(w.url()));
  context.on('serviceworker', (w) => urls.add(w.url()));
  return urls;
}

export function foreignRequests(urls: Iterable<string>, origin: string): string[] {
  return [...urls].filter((u) => !(u.startsWith('data:') || u.startsWith('blob:') || new URL(u).origin === origin));
}

/** Wait until the bundled sample (or any table) is loaded and summarised. */
export async function expectLoaded(page: Page, rows: number, columns: number): Promise<void> {
  await expect(page.getByTestId('summary-rows')).toHaveText(rows.toLocaleString('en'));
  await expect(page.getByTestId('summary-columns')).toHaveText(String(columns));
}

/** Minimal CSV reader for the test's own check (RFC 4180 quotes). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += ch;
  }
  if (cell !== '' || row.length) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}
