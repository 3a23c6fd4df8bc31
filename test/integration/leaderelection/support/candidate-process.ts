// One leader election candidate as its own process, for the leader election integration tests.
// Usage: node --import tsx candidate-process.ts '<CandidateSpec JSON>'
//
// Prints one JSON line per event on stdout, with `t` from process.hrtime (CLOCK_MONOTONIC, one
// clock for every process on this machine, so intervals of different candidates compare):
//   {"ev":"ready"} | {"ev":"start","t"} | {"ev":"end","t","reason"} | {"ev":"leader","id","t"}
//   {"ev":"fatal","message"} (run rejected: the process then exits 2)
// Stands for election again after losing the lock, until SIGTERM: then it stops (releasing the
// lock when `releaseOnCancel`) and exits 0. Exits 3 when its stdin closes (the test died).
import { KubeClient } from '../../../../src/client/index.js';
import { type Clock, realClock, sleepOn } from '../../../../src/common/clock.js';
import {
  LeaderElector,
  newResourceLock,
  type ResourceLockType,
} from '../../../../src/leaderelection/index.js';

/** What the test passes to a candidate process. */
export interface CandidateSpec {
  identity: string;
  lockType: ResourceLockType;
  namespace: string;
  name: string;
  /** Either a kubeconfig (+ context) or a plain-HTTP server URL (a ChaosProxy). */
  kubeconfig?: string;
  context?: string;
  server?: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  releaseOnCancel?: boolean;
  /** Offset of this candidate's wall clock (what it writes into the record), in ms. */
  wallOffsetMs?: number;
}

const monotonicMs = () => Number(process.hrtime.bigint()) / 1e6;
const emit = (event: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(event)}\n`);

const spec = JSON.parse(process.argv[2] ?? '') as CandidateSpec;
const offset = spec.wallOffsetMs ?? 0;
const clock: Clock = {
  now: realClock.now,
  wallNow: () => new Date(Date.now() + offset),
  setTimeout: realClock.setTimeout,
  sleep: (ms, signal) => sleepOn(clock, ms, signal),
};

// No client-side rate limit, and no Retry-After waits longer than the lease: an election's own
// deadlines bound every request anyway.
const clientOptions = { qps: -1, maxRetryAfterSeconds: 1 };
const kube = spec.server
  ? new KubeClient(
      {
        server: spec.server,
        namespace: spec.namespace,
        tls: { insecureSkipVerify: false },
        auth: { authorization: async () => undefined, invalidate: async () => false },
        identity: `candidate-${spec.identity}`,
      },
      clientOptions,
    )
  : await KubeClient.load({
      ...clientOptions,
      connection: { kubeconfig: spec.kubeconfig, context: spec.context },
    });

const stop = new AbortController();
process.on('SIGTERM', () => stop.abort(new Error('SIGTERM')));
// The test holds our stdin open; if it dies (a killed vitest worker), EOF arrives and we leave
// rather than campaign forever against a control plane that is gone.
process.stdin.on('end', () => process.exit(3));
process.stdin.resume();

const lock = newResourceLock(spec.lockType, {
  kube,
  namespace: spec.namespace,
  name: spec.name,
  identity: spec.identity,
});
emit({ ev: 'ready', t: monotonicMs() });
let exitCode = 0;
while (!stop.signal.aborted) {
  const elector = new LeaderElector({
    lock,
    clock,
    leaseDurationMs: spec.leaseDurationMs,
    renewDeadlineMs: spec.renewDeadlineMs,
    retryPeriodMs: spec.retryPeriodMs,
    releaseOnCancel: spec.releaseOnCancel ?? false,
    name: spec.name,
    logger: {
      debug: () => {},
      info: () => {},
      warn: (message, fields) =>
        console.error(`[${spec.identity}] WARN ${message} ${JSON.stringify(fields)}`),
      error: (message, fields) =>
        console.error(`[${spec.identity}] ERROR ${message} ${JSON.stringify(fields)}`),
    },
    callbacks: {
      onStartedLeading(signal) {
        emit({ ev: 'start', t: monotonicMs() });
        signal.addEventListener('abort', () => {
          emit({
            ev: 'end',
            t: monotonicMs(),
            reason: String((signal.reason as Error)?.message ?? signal.reason),
          });
        });
      },
      onStoppedLeading() {},
      onNewLeader(id) {
        emit({ ev: 'leader', id, t: monotonicMs() });
      },
    },
  });
  try {
    await elector.run(stop.signal);
  } catch (err) {
    emit({ ev: 'fatal', message: (err as Error).message });
    console.error(`[${spec.identity}] ${(err as Error).message}`);
    exitCode = 2;
    break;
  }
}
await kube.close();
process.exit(exitCode);
