import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // the one import alias (tsconfig paths): @/ is src/
  resolve: { alias: { '@': resolve(import.meta.dirname, 'src') } },
  test: {
    include: ['src/**/*.test.ts', 'bench/**/*.test.ts'],
    environment: 'node',
    // onnxruntime sessions are heavy; two cores here.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
