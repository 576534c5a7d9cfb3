/** A file on disk as a ByteSource (Node only: never import this from browser code). */
import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import { IngestError, type ByteSource } from './types';

export function nodeFileSource(path: string): ByteSource {
  const name = basename(path);
  let size: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new IngestError('unreadable', `${path} is a folder, not a file. Give the path of a CSV file.`);
    size = st.size;
  } catch (e) {
    if (e instanceof IngestError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw new IngestError('unreadable', `Cannot read ${path}: ${why}.`);
  }
  return {
    name,
    size,
    open: () => createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Uint8Array>,
  };
}
