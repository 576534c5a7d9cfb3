/**
 * App icons drawn here (no design asset, nothing fetched): a teal rounded square with two overlapping
 * discs — the table and its twin. Encoded as PNG with node:zlib.
 */
import { deflateSync } from 'node:zlib';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  Buffer.from(data).copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

function encodePng(size: number, rgba: Uint8Array): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0; // filter: none
    Buffer.from(rgba.buffer, rgba.byteOffset + y * size * 4, size * 4).copy(raw, y * (size * 4 + 1) + 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

/** A size×size PNG; `maskable` leaves the safe-zone padding Android crops into. */
export function iconPng(size: number, maskable = false): Buffer {
  const px = new Uint8Array(size * size * 4);
  const bg = [0x0f, 0x5e, 0x6b];
  const a = [0xff, 0xff, 0xff];
  const b = [0x9f, 0xe3, 0xd6];
  const r = size * (maskable ? 0 : 0.18); // corner radius
  const cx1 = size * 0.4, cx2 = size * 0.6, cy = size * 0.5, rad = size * (maskable ? 0.2 : 0.24);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = (y * size + x) * 4;
      const dx = Math.max(r - x, x - (size - 1 - r), 0);
      const dy = Math.max(r - y, y - (size - 1 - r), 0);
      if (r > 0 && dx * dx + dy * dy > r * r) continue; // transparent corner
      const in1 = (x - cx1) ** 2 + (y - cy) ** 2 <= rad * rad;
      const in2 = (x - cx2) ** 2 + (y - cy) ** 2 <= rad * rad;
      const c = in2 ? (in1 ? bg.map((v, k) => Math.round((v + b[k]) / 2)) : b) : in1 ? a : bg;
      px[i] = c[0];
      px[i + 1] = c[1];
      px[i + 2] = c[2];
      px[i + 3] = 255;
    }
  }
  return encodePng(size, px);
}
