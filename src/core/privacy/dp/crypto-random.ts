/**
 * Randomness for DP mechanisms, from the platform's cryptographic generator: the one unseeded choice in
 * Doppel (DP noise must not be reproducible from a seed an attacker might learn).
 */
const CHUNK = 8192; // getRandomValues refuses more than 65536 bytes per call
const pool = new Uint32Array(CHUNK);
let next = CHUNK;

function u32(): number {
  if (next >= CHUNK) {
    globalThis.crypto.getRandomValues(pool);
    next = 0;
  }
  return pool[next++];
}

/** Uniform in the open interval (0, 1), 53 random bits. */
export function cryptoUniform(): number {
  const hi = u32() >>> 5;
  const lo = u32() >>> 6;
  return (hi * 67108864 + lo + 0.5) / 9007199254740992;
}

/** n normal draws with standard deviation `std` (Box–Muller). */
export function cryptoNormal(n: number, std = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(cryptoUniform()));
    const t = 2 * Math.PI * cryptoUniform();
    out[i] = r * Math.cos(t) * std;
    if (i + 1 < n) out[i + 1] = r * Math.sin(t) * std;
  }
  return out;
}

/** Laplace(0, b) draw. */
export function cryptoLaplace(b: number): number {
  const u = cryptoUniform() - 0.5;
  return -b * Math.sign(u) * Math.log(1 - 2 * Math.abs(u));
}
