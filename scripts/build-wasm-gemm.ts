// Regenerates src/core/models/wasm-gemm/binary.ts from wat.ts (the module's text) with wabt.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { assembleGemm, binarySource } from '../src/core/models/wasm-gemm/assemble';

const out = fileURLToPath(new URL('../src/core/models/wasm-gemm/binary.ts', import.meta.url));
const bytes = await assembleGemm();
writeFileSync(out, binarySource(bytes));
console.log(`wrote ${out} (${bytes.length} bytes of wasm)`);
