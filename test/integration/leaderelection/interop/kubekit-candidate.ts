// One kubekit leader election candidate on a coordination.k8s.io/v1 Lease, the twin of the
// client-go candidate in ./go (same flags, same output), for the interop test
// (../interop.test.ts) and the leader election benchmark (bench/leaderelection).
//
//   node --import tsx kubekit-candidate.ts --kubeconfig PATH [--context NAME] --namespace NS \
//     --name LEASE --identity ID [--lease-duration 15s] [--renew-deadline 10s] \
//     [--retry-period 2s] [--release-on-cancel=false]
//
// Prints one JSON line per event on stdout, `t` being CLOCK_MONOTONIC in ms (process.hrtime, the
// clock the Go candidate reads too, so intervals of both kinds of process compare):
//   {"ev":"ready","identity"}  {"ev":"started"}  {"ev":"lost","reason"} (the leading signal aborted)
//   {"ev":"stopped"} (onStoppedLeading)  {"ev":"new-leader","id"}  {"ev":"exit","code"}
// Stands for election again after losing the lock. SIGTERM/SIGINT stop it: with
// releaseOnCancel (the default) the lock is released, and the process exits 0.
import { parseArgs } from 'node:util';
import { KubeClient } from '../../../../src/client/index.js';
import { LeaderElector, LeaseLock, parseGoDuration } from '../../../../src/leaderelection/index.js';

const monotonicMs = () => Number(process.hrtime.bigint()) / 1e6;
const emit = (ev: string, fields: Record<string, unknown> = {}) =>
  process.stdout.write(`${JSON.stringify({ ev, t: monotonicMs(), ...fields })}\n`);

const { values: flags } = parseArgs({
  options: {
    kubeconfig: { type: 'string' },
    context: { type: 'string' },
    namespace: { type: 'string' },
    name: { type: 'string' },
    identity: { type: 'string' },
    'lease-duration': { type: 'string', default: '15s' },
    'renew-deadline': { type: 'string', default: '10s' },
    'retry-period': { type: 'string', default: '2s' },
    'release-on-cancel': { type: 'string', default: 'true' },
  },
  strict: true,
});
for (const required of ['kubeconfig', 'namespace', 'name', 'identity'] as const) {
  if (!flags[required]) {
    console.error(`--${required} is required`);
    process.exit(2);
  }
}

const stop = new AbortController();
let leading = false;
const onSignal = () => {
  // Reported here, synchronously before the abort, so the line precedes any release.
  if (leading) {
    leading = false;
    emit('lost', { reason: 'signal' });
  }
  stop.abort(new Error('stopped by signal'));
};
process.on('SIGTERM', onSignal);
process.on('SIGINT', onSignal);

// The library's defaults (client-side rate limit 5 qps, burst 10), as a user gets them.
const kube = await KubeClient.load({
  connection: { kubeconfig: flags.kubeconfig!, ...(flags.context ? { context: flags.context } : {}) },
});
const lock = new LeaseLock({
  kube,
  namespace: flags.namespace!,
  name: flags.name!,
  identity: flags.identity!,
});
const log = (level: string) => (message: string, fields?: Record<string, unknown>) =>
  console.error(`[${flags.identity}] ${level} ${message} ${fields ? JSON.stringify(fields) : ''}`);

emit('ready', { identity: flags.identity });
let code = 0;
while (!stop.signal.aborted) {
  try {
    const elector = new LeaderElector({
      lock,
      leaseDurationMs: parseGoDuration(flags['lease-duration']!),
      renewDeadlineMs: parseGoDuration(flags['renew-deadline']!),
      retryPeriodMs: parseGoDuration(flags['retry-period']!),
      releaseOnCancel: flags['release-on-cancel'] !== 'false',
      name: flags.name!,
      logger: { debug: () => {}, info: log('INFO'), warn: log('WARN'), error: log('ERROR') },
      callbacks: {
        onStartedLeading(signal) {
          leading = true;
          emit('started');
          signal.addEventListener('abort', () => {
            if (!leading) return;
            leading = false;
            emit('lost', { reason: String((signal.reason as Error)?.message ?? signal.reason) });
          });
        },
        onStoppedLeading() {
          emit('stopped');
        },
        onNewLeader(id) {
          emit('new-leader', { id });
        },
      },
    });
    await elector.run(stop.signal);
  } catch (err) {
    console.error(`[${flags.identity}] ${(err as Error).message}`);
    code = 2;
    break;
  }
}
await kube.close();
emit('exit', { code });
process.exit(code);
