import { defineConfig } from 'vitest/config';

// Two projects: `unit` never touches a cluster; `integration` runs against a real
// kube-apiserver that test/integration/global-setup.ts builds and starts once per run — or, when
// KUBEKIT_TEST_KUBECONFIG names a kubeconfig file, against that existing cluster (its current
// context, or KUBEKIT_TEST_CONTEXT), with nothing built or started. A test that needs what only
// the local plane has (its etcd, the tools/kube-local binaries, its restricted users) then skips
// itself and prints why (test/integration/support/kube.ts `skipUnlessAvailable`).
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
