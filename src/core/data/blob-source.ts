/** A browser File/Blob as a ByteSource (works in workers; Node 20 has Blob too). */
import type { ByteSource } from './types';

export function blobSource(blob: Blob, name?: string): ByteSource {
  return {
    name: name ?? (blob as File).name ?? 'data.csv',
    size: blob.size,
    async *open() {
      // Manual reader loop: async iteration of ReadableStream is not in every browser yet.
      const reader = blob.stream().getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          yield value;
        }
      } finally {
        reader.releaseLock();
      }
    },
  };
}
