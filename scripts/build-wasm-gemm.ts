// Regenerates src/core/models/wasm-gemm/binary.ts from wat.ts (the module's text) with wabt.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { binarySource } from '../src/core/models/wasm-gemm/assemble';

const out = fileURLToPath(new URL('../src/core/models/wasm-gemm/binary.ts', import.meta.url));
const text = await binarySource();
writeFileSync(out, text);
console.log(`wrote ${out}: ${text.split('\n')[1].slice(3)}`);
