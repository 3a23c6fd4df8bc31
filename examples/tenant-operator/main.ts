// The tenant operator as a program: `npx tsx examples/tenant-operator/main.ts
// [--leader-elect-resource-namespace=tenant-system] [--health-port=8081]`, against the cluster
// of KUBECONFIG (or in-cluster). Install crd.yaml and rbac.yaml first.
import { hostname } from 'node:os';
import { shutdownSignal } from '../../src/controller/index.js';
import { KubeClient } from '../../src/index.js';
import { parseLeaderElectionFlags } from '../../src/leaderelection/index.js';
import { runTenantOperator } from './operator.js';

const args = process.argv.slice(2);
const healthPort = Number(args.find((a) => a.startsWith('--health-port='))?.split('=')[1] ?? 8081);
const flags = parseLeaderElectionFlags(args);
const log = (level: string) => (message: string, fields?: Record<string, unknown>) =>
  console.log(JSON.stringify({ level, time: new Date().toISOString(), message, ...fields }));
const logger = { debug: () => {}, info: log('info'), warn: log('warn'), error: log('error') };

const kube = await KubeClient.load({ qps: 20, burst: 40 });
await runTenantOperator(
  {
    kube,
    identity: `${hostname()}_${process.pid}`,
    // The operator's own namespace unless the flag says otherwise (kube-scheduler's default is kube-system).
    leaseNamespace: args.some((a) => a.startsWith('--leader-elect-resource-namespace'))
      ? flags.resourceNamespace
      : 'tenant-system',
    leaseDurationMs: flags.leaseDurationMs,
    renewDeadlineMs: flags.renewDeadlineMs,
    retryPeriodMs: flags.retryPeriodMs,
    http: { port: healthPort },
    logger,
  },
  shutdownSignal(),
);
await kube.close();
