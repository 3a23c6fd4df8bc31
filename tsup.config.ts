import { defineConfig } from 'tsup';

// One entry per public subpath (see package.json "exports"); everything else stays internal.
export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'client/index': 'src/client/index.ts',
    'informers/index': 'src/informers/index.ts',
    'workqueue/index': 'src/workqueue/index.ts',
    'leaderelection/index': 'src/leaderelection/index.ts',
    'events/index': 'src/events/index.ts',
    'controller/index': 'src/controller/index.ts',
    'testing/index': 'src/testing/index.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  splitting: true,
  shims: true,
});
