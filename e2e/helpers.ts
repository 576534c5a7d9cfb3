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

export const STATIC = ['futime', 'status', 'trt', 'age', 'sex'];

/**
 * pbcseq as two files: visits (id, day, time-varying columns; 1,945 rows) and patients (id and the static
 * columns, one row each). Patients 1–3 get no static row and two patients with no visits are added.
 */
export function splitPbcseq(): { visits: string; patients: string; patientLine: Map<string, number> } {
  const lines = readData('pbcseq.csv').toString('utf8').trim().split(/\r?\n/).map((l) => l.split(','));
  const header = lines[0].map((h) => h.replace(/"/g, ''));
  const sIdx = [0, ...STATIC.map((n) => header.indexOf(n))];
  const vIdx = header.map((_, j) => j).filter((j) => j === 0 || !sIdx.includes(j));
  const patients = [sIdx.map((j) => lines[0][j]).join(',')];
  const patientLine = new Map<string, number>();
  for (const row of lines.slice(1)) {
    if (patientLine.has(row[0]) || Number(row[0]) <= 3) continue;
    patients.push(sIdx.map((j) => row[j]).join(','));
    patientLine.set(row[0], patients.length); // 1-based line, the header being line 1
  }
  patients.push('9001,100,0,1,50.1,"f"', '9002,200,1,2,60.2,"m"');
  return { visits: lines.map((row) => vIdx.map((j) => row[j]).join(',')).join('\n'), patients: patients.join('\n'), patientLine };
}

export const csvFile = (name: string, text: string) => ({ name, mimeType: 'text/csv', buffer: Buffer.from(text) });
