import { afterEach, describe, expect, it } from 'vitest';
import { hasHardwareWebGPU, initBackend } from './backend';
import { wasmDistDir } from '../../cli/tf-node';

const g = globalThis as { navigator?: unknown };
const realNavigator = Object.getOwnPropertyDescriptor(globalThis, 'navigator');

function fakeGpu(adapter: unknown) {
  Object.defineProperty(globalThis, 'navigator', { value: { gpu: { requestAdapter: async () => adapter } }, configurable: true });
}

describe('backend selection', () => {
  afterEach(() => {
    if (realNavigator) Object.defineProperty(globalThis, 'navigator', realNavigator);
    else delete g.navigator;
  });

  it('treats a software fallback adapter (SwiftShader) as no WebGPU', async () => {
    fakeGpu({ info: { isFallbackAdapter: true } });
    expect(await hasHardwareWebGPU()).toBe(false);
    fakeGpu({ info: { isFallbackAdapter: false } });
    expect(await hasHardwareWebGPU()).toBe(true);
    fakeGpu(null);
    expect(await hasHardwareWebGPU()).toBe(false);
  });

  it('auto falls back to wasm when the only adapter is a fallback; forced backends are honoured or explained', async () => {
    fakeGpu({ info: { isFallbackAdapter: true } });
    expect(await initBackend('auto', { wasmPaths: wasmDistDir() })).toBe('wasm');
    expect(await initBackend('cpu')).toBe('cpu');
    expect(await initBackend('wasm')).toBe('wasm');
    Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true });
    await expect(initBackend('webgpu')).rejects.toThrow(/WebGPU backend unavailable/);
  });
});
