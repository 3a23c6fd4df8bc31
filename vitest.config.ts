import { defineConfig } from 'vitest/config';

// Two projects: `unit` never touches a cluster; `integration` runs against a real
// kube-apiserver that test/integration/global-setup.ts starts once per run (or the cluster
// KUBECONFIG points at when KUBEKIT_TEST_KUBECONFIG is set).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          // Property tests and 100k-item tests are CPU-heavy; on a loaded 2-core CI machine the
          // 5 s default would flake. This only guards against hangs; speed lives in benchmarks.
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/integration/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // Files run in parallel against one apiserver; each works in its own namespace.
          fileParallelism: true,
        },
      },
    ],
  },
});
