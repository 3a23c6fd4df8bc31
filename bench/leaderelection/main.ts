// Leader election benchmark (issue 6): failover time and API request rate of kubekit's
// LeaderElector versus k8s.io/client-go/tools/leaderelection v0.37.1 (the release tools/kube-local
// pins), with identical durations, in one run, against one real kube-apiserver.
//
// How it measures:
// - Candidates are separate processes, the ones the interop test uses
//   (test/integration/leaderelection/interop/): kubekit-candidate.ts under Node and the client-go
//   program in interop/go, both on a coordination.k8s.io/v1 Lease with releaseOnCancel, each
//   printing its callbacks with CLOCK_MONOTONIC timestamps (the clock this process reads too).
// - Two groups run side by side, one per implementation, each with its own Lease and
//   `--candidates` processes (default 3: a leader and two followers). Every candidate talks to
//   the apiserver through its own counting proxy (kubekit/testing ChaosProxy, plain HTTP on
//   loopback, client certificate upstream), so its requests are counted exactly.
// - Request rate, two ways: (a) over the whole run, per role: a candidate is a follower from
//   `ready` to `started` and the leader from `started` until it exits (its release included);
//   Σ requests / Σ seconds in the role per implementation (transitions, first reads and
//   acquisitions included, as in real life); the goal is judged on these. (b) As a cross-check,
//   once both groups are settled, every candidate's count over a `--window-s` window (default 30
//   retry periods).
// - Failover, `--trials` rounds (default 20): both groups are topped up to `--candidates` live
//   processes, left to settle (2.2 retry periods, so every follower polls again), then each
//   group's leader gets SIGKILL after a random 0–1 retry period (so the kill lands at a random
//   phase of the renew cycle): failover = the successor's OnStartedLeading timestamp minus the
//   moment just before kill(2). Then the same with SIGTERM (graceful: ReleaseOnCancel writes an
//   empty holder). The groups act at the same moments, so both see the same machine load, and
//   processes are only ever started between measurements.
// - Every leading interval is also checked for overlap within its group (no split brain).
//
//   bash bench/leaderelection/run.sh [--quick] [--trials 20] [--timings 15s/10s/2s] [--candidates 3] [--window-s 60]
//
// --quick: 4s/3s/1s durations, 5 trials, a 20 s window (a smoke run, not a measurement).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { KubeClient, Namespaces } from '../../src/client/index.js';
import { parseGoDuration } from '../../src/leaderelection/index.js';
import { ChaosProxy, LocalControlPlane } from '../../src/testing/index.js';
import {
  assertNoOverlap,
  buildGoCandidate,
  type CandidateKind,
  CandidatePool,
  type CandidateProcess,
  monotonicMs,
} from '../../test/integration/leaderelection/interop/candidates.js';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    trials: { type: 'string' },
    timings: { type: 'string' },
    candidates: { type: 'string' },
    'window-s': { type: 'string' },
  },
});
const quick = args.quick!;
const timingsText = args.timings ?? process.env.BENCH_LE_TIMINGS ?? (quick ? '4s/3s/1s' : '15s/10s/2s');
const [leaseText, renewText, retryText] = timingsText.split('/') as [string, string, string];
const LEASE_MS = parseGoDuration(leaseText);
const RETRY_MS = parseGoDuration(retryText);
parseGoDuration(renewText);
const TRIALS = Number(args.trials ?? process.env.BENCH_LE_TRIALS ?? (quick ? 5 : 20));
const CANDIDATES = Number(args.candidates ?? process.env.BENCH_LE_CANDIDATES ?? 3);
const WINDOW_MS =
  1000 * Number(args['window-s'] ?? process.env.BENCH_LE_WINDOW_S ?? (quick ? 20 : (30 * RETRY_MS) / 1000));
if (!(TRIALS >= 1) || !(CANDIDATES >= 2) || !(WINDOW_MS > 0)) {
  throw new Error('--trials ≥ 1, --candidates ≥ 2 and --window-s > 0, please');
}
const KINDS: CandidateKind[] = ['kubekit', 'client-go'];
// A successor later than this is a failure of the run, not a sample.
const FAILOVER_TIMEOUT_MS = LEASE_MS + 6 * RETRY_MS + 15_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (message: string) => console.error(`[bench/leaderelection] ${message}`);

/** One implementation's candidates on their own Lease, each behind its own counting proxy. */
class Group {
  readonly pool: CandidatePool;
  readonly proxies = new Map<CandidateProcess, ChaosProxy>();
  #seq = 0;

  constructor(
    readonly kind: CandidateKind,
    private readonly env: { plane: LocalControlPlane; namespace: string; goBinary: string; dir: string },
  ) {
    this.pool = new CandidatePool({
      kubeconfig: '',
      namespace: env.namespace,
      name: `bench-${kind}`,
      goBinary: env.goBinary,
      releaseOnCancel: true,
      leaseDuration: leaseText,
      renewDeadline: renewText,
      retryPeriod: retryText,
    });
  }

  leader(): CandidateProcess | undefined {
    const leaders = this.pool.leaders();
    if (leaders.length > 1)
      throw new Error(`${this.kind}: ${leaders.length} leaders at once:\n${this.pool.describe()}`);
    return leaders[0];
  }

  async spawn(): Promise<CandidateProcess> {
    const admin = this.env.plane.users.admin;
    const proxy = await ChaosProxy.start({
      server: this.env.plane.server,
      caFile: this.env.plane.caFile,
      certFile: admin.certFile!,
      keyFile: admin.keyFile!,
    });
    const id = `${this.kind}-${++this.#seq}`;
    const kubeconfig = join(this.env.dir, `${id}.kubeconfig`);
    writeFileSync(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        `- name: proxy\n  cluster:\n    server: ${proxy.url}`,
        'users:',
        '- name: proxy\n  user: {}',
        'contexts:',
        '- name: proxy\n  context:\n    cluster: proxy\n    user: proxy',
        'current-context: proxy',
        '',
      ].join('\n'),
    );
    const candidate = this.pool.add(this.kind, id, { kubeconfig });
    this.proxies.set(candidate, proxy);
    this.#track(candidate, proxy);
    void candidate.exited.then(() => proxy.stop());
    await candidate.ready(60_000);
    return candidate;
  }

  /** Starts processes until `CANDIDATES` live, then waits for a leader every follower reports. */
  async topUp(): Promise<void> {
    while (this.pool.live().length < CANDIDATES) await this.spawn();
    const leader = await this.pool.waitUntil(
      `${this.kind}: a leader`,
      () => this.leader(),
      FAILOVER_TIMEOUT_MS,
    );
    for (const c of this.pool.live()) {
      await c.waitUntil(
        `${c.id} to report ${leader.id}`,
        () => c === leader || c.lastReportedLeader() === leader.id,
        FAILOVER_TIMEOUT_MS,
      );
    }
  }

  /** Kills or stops the leader after a random part of a retry period; the failover time in ms. */
  async failover(
    how: 'kill' | 'release',
  ): Promise<{ ms: number; exitCode: number | null | undefined; releasedMs: number | undefined }> {
    const leader = this.leader();
    if (!leader) throw new Error(`${this.kind}: no leader to ${how}`);
    await sleep(Math.random() * RETRY_MS);
    const at = how === 'kill' ? await leader.kill9() : await leader.terminate(FAILOVER_TIMEOUT_MS);
    const { startedAt } = await this.pool.waitForLeaderSince(at, FAILOVER_TIMEOUT_MS, leader);
    // After SIGTERM, onStoppedLeading comes once the release was written (both implementations).
    const stopped = leader.events.find((e) => e.ev === 'stopped' && e.t >= at);
    return {
      ms: startedAt - at,
      exitCode: leader.exitCode,
      releasedMs: stopped ? stopped.t - at : undefined,
    };
  }

  /** Requests and time of every candidate in each role, over the whole run. */
  readonly segments: { who: string; role: 'leader' | 'follower'; ms: number; requests: number }[] = [];

  // A candidate is a follower from `ready` until `started`, then the leader until it exits (so a
  // stopped leader's release counts as the leader's) or, had it lost the lock, until `stopped`.
  #track(candidate: CandidateProcess, proxy: ChaosProxy): void {
    let open: { role: 'leader' | 'follower'; t: number; n: number } | undefined;
    const close = () => {
      if (!open) return;
      this.segments.push({
        who: candidate.id,
        role: open.role,
        ms: monotonicMs() - open.t,
        requests: proxy.stats.requests - open.n,
      });
      open = undefined;
    };
    const begin = (role: 'leader' | 'follower') => {
      close();
      open = { role, t: monotonicMs(), n: proxy.stats.requests };
    };
    const next = candidate.onEvent;
    candidate.onEvent = (event, c) => {
      if (event.ev === 'ready' || event.ev === 'stopped') begin('follower');
      else if (event.ev === 'started') begin('leader');
      next?.(event, c);
    };
    void candidate.exited.then(close);
  }

  requests(c: CandidateProcess): number {
    return this.proxies.get(c)!.stats.requests;
  }

  async close(): Promise<void> {
    await this.pool.destroyAll();
    await Promise.all([...this.proxies.values()].map((p) => p.stop().catch(() => {})));
  }
}

interface Stats {
  n: number;
  median: number;
  mean: number;
  min: number;
  max: number;
}
const quantile = (sorted: number[], q: number) => {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
};
function stats(samples: number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    n: sorted.length,
    median: quantile(sorted, 0.5),
    mean: sorted.reduce((a, b) => a + b, 0) / sorted.length,
    min: sorted[0]!,
    max: sorted.at(-1)!,
  };
}
// 95% bootstrap interval of median(a) / median(b): whether a difference is more than noise.
function ratioInterval(a: number[], b: number[]): [number, number] {
  const pick = (xs: number[]) => xs.map(() => xs[Math.floor(Math.random() * xs.length)]!);
  const median = (xs: number[]) =>
    quantile(
      [...xs].sort((x, y) => x - y),
      0.5,
    );
  const ratios: number[] = [];
  for (let i = 0; i < 4000; i++) ratios.push(median(pick(a)) / median(pick(b)));
  ratios.sort((x, y) => x - y);
  return [quantile(ratios, 0.025), quantile(ratios, 0.975)];
}

const loadBefore = loadavg()[0]!;
const startedAt = performance.now();
const goBuild = await buildGoCandidate();
log(
  goBuild.built
    ? `built the client-go candidate in ${Math.round(goBuild.ms)} ms (${goBuild.path})`
    : `reusing the client-go candidate ${goBuild.path}`,
);
log('starting a local control plane');
const plane = await LocalControlPlane.start();
const dir = mkdtempSync(join(tmpdir(), 'bench-le-'));
const namespace = 'bench-leaderelection';
const groups: Group[] = [];
let failed = false;
const stopEverything = async () => {
  await Promise.all(groups.map((g) => g.close()));
  await plane.stop();
  rmSync(dir, { recursive: true, force: true });
};
process.once('SIGINT', () => {
  void stopEverything().finally(() => process.exit(130));
});
process.once('SIGTERM', () => {
  void stopEverything().finally(() => process.exit(143));
});

const samples: Record<
  CandidateKind,
  { kill: number[]; release: number[]; leaderRps: number[]; followerRps: number[] }
> = {
  kubekit: { kill: [], release: [], leaderRps: [], followerRps: [] },
  'client-go': { kill: [], release: [], leaderRps: [], followerRps: [] },
};
const jsonLines: string[] = [];
const emit = (measurement: Record<string, unknown>) =>
  jsonLines.push(
    JSON.stringify({
      benchmark: 'leaderelection',
      timings: timingsText,
      candidatesPerGroup: CANDIDATES,
      ...measurement,
    }),
  );

try {
  const kube = await KubeClient.load({ connection: { kubeconfig: plane.kubeconfigPath } });
  await kube.resource(Namespaces).create({ metadata: { name: namespace } });
  await kube.close();
  for (const kind of KINDS) groups.push(new Group(kind, { plane, namespace, goBinary: goBuild.path, dir }));

  // 1. Request rate in steady state.
  log(`request rate: ${CANDIDATES} candidates per implementation, window ${WINDOW_MS / 1000} s`);
  await Promise.all(groups.map((g) => g.topUp()));
  await sleep(2.2 * RETRY_MS);
  const leadersBefore = groups.map((g) => g.leader()!);
  const before = groups.map((g) => new Map(g.pool.live().map((c) => [c, g.requests(c)])));
  const windowStart = monotonicMs();
  await sleep(WINDOW_MS);
  const windowMs = monotonicMs() - windowStart;
  groups.forEach((g, i) => {
    const leader = g.leader();
    if (leader !== leadersBefore[i] || leader!.openInterval()!.start > windowStart) {
      throw new Error(`${g.kind}: leadership changed during the request-rate window:\n${g.pool.describe()}`);
    }
    for (const [c, count] of before[i]!) {
      const rps = (g.requests(c) - count) / (windowMs / 1000);
      const role = c === leader ? 'leader' : 'follower';
      samples[g.kind][role === 'leader' ? 'leaderRps' : 'followerRps'].push(rps);
      emit({
        measurement: `requests-per-second-${role}`,
        impl: g.kind,
        candidate: c.id,
        requests: g.requests(c) - count,
        windowSeconds: windowMs / 1000,
        value: rps,
      });
    }
  });

  // 2. Failover after SIGKILL and after graceful release.
  for (let trial = 1; trial <= TRIALS; trial++) {
    for (const how of ['kill', 'release'] as const) {
      await Promise.all(groups.map((g) => g.topUp()));
      await sleep(2.2 * RETRY_MS);
      const results = await Promise.all(groups.map((g) => g.failover(how)));
      groups.forEach((g, i) => {
        const { ms, exitCode } = results[i]!;
        if (how === 'release' && exitCode !== 0) {
          throw new Error(`${g.kind}: a gracefully stopped leader exited ${exitCode}:\n${g.pool.describe()}`);
        }
        samples[g.kind][how].push(ms);
        emit({
          measurement: `failover-${how === 'kill' ? 'sigkill' : 'graceful'}-ms`,
          impl: g.kind,
          trial,
          value: ms,
          ...(how === 'release' ? { releasedAfterMs: results[i]!.releasedMs } : {}),
        });
      });
      log(
        `trial ${trial}/${TRIALS} ${how === 'kill' ? 'SIGKILL' : 'graceful'}: ` +
          groups
            .map((g, i) => {
              const r = results[i]!;
              const released =
                r.releasedMs === undefined ? '' : ` (released after ${Math.round(r.releasedMs)} ms)`;
              return `${g.kind} ${Math.round(r.ms)} ms${how === 'release' ? released : ''}`;
            })
            .join(', '),
      );
    }
  }
  for (const g of groups) {
    await g.pool.stopAll(FAILOVER_TIMEOUT_MS);
    assertNoOverlap(g.pool.intervals());
  }
} catch (err) {
  failed = true;
  console.error(err);
} finally {
  await stopEverything();
}
if (failed) process.exit(1);

// 3. Report.
interface Row {
  metric: string;
  unit: string;
  n: string;
  kubekit: { center: number; max: number };
  clientGo: { center: number; max: number };
  ratio: number;
  ratioMax: number;
  interval: [number, number];
  goal?: string;
  met?: boolean;
}
const rows: Row[] = [];
const goalOf = (ratio: number) => ({ goal: 'kubekit ≤ client-go', met: ratio <= 1 });
const addSampleRow = (
  metric: string,
  unit: string,
  key: keyof (typeof samples)['kubekit'],
  withGoal: boolean,
) => {
  const a = samples.kubekit[key];
  const b = samples['client-go'][key];
  const kubekit = stats(a);
  const clientGo = stats(b);
  const ratio = kubekit.median / clientGo.median;
  rows.push({
    metric,
    unit,
    n: `${kubekit.n}/${clientGo.n}`,
    kubekit: { center: kubekit.median, max: kubekit.max },
    clientGo: { center: clientGo.median, max: clientGo.max },
    ratio,
    ratioMax: kubekit.max / clientGo.max,
    interval: ratioInterval(a, b),
    ...(withGoal ? goalOf(ratio) : {}),
  });
};
// Requests over the whole run, pooled per role: Σ requests / Σ time in that role, with each
// candidate's totals per role as the unit a bootstrap resamples.
const addPooledRow = (role: 'leader' | 'follower') => {
  const perCandidate = (g: Group) => {
    const totals = new Map<string, { ms: number; requests: number }>();
    for (const seg of g.segments.filter((x) => x.role === role)) {
      const t = totals.get(seg.who) ?? { ms: 0, requests: 0 };
      t.ms += seg.ms;
      t.requests += seg.requests;
      totals.set(seg.who, t);
    }
    return [...totals.values()];
  };
  const pooled = (xs: { ms: number; requests: number }[]) =>
    xs.reduce((a, x) => a + x.requests, 0) / (xs.reduce((a, x) => a + x.ms, 0) / 1000);
  // The busiest candidate that spent at least 20 retry periods in the role.
  const busiest = (xs: { ms: number; requests: number }[]) => {
    const long = xs.filter((x) => x.ms >= 20 * RETRY_MS);
    return long.length === 0 ? Number.NaN : Math.max(...long.map((x) => x.requests / (x.ms / 1000)));
  };
  const [a, b] = [perCandidate(groups[0]!), perCandidate(groups[1]!)];
  const pick = <T>(xs: T[]) => xs.map(() => xs[Math.floor(Math.random() * xs.length)]!);
  const ratios: number[] = [];
  for (let i = 0; i < 4000; i++) ratios.push(pooled(pick(a)) / pooled(pick(b)));
  ratios.sort((x, y) => x - y);
  const seconds = (xs: { ms: number }[]) => Math.round(xs.reduce((acc, x) => acc + x.ms, 0) / 1000);
  const ratio = pooled(a) / pooled(b);
  rows.push({
    metric: `API requests/s per ${role}, whole run (pooled)`,
    unit: 'req/s',
    n: `${seconds(a)}s/${seconds(b)}s`,
    kubekit: { center: pooled(a), max: busiest(a) },
    clientGo: { center: pooled(b), max: busiest(b) },
    ratio,
    ratioMax: busiest(a) / busiest(b),
    interval: [quantile(ratios, 0.025), quantile(ratios, 0.975)],
    ...goalOf(ratio),
  });
  emit({
    measurement: `requests-per-second-${role}-whole-run`,
    kubekit: { requests: a.reduce((acc, x) => acc + x.requests, 0), seconds: seconds(a), value: pooled(a) },
    clientGo: { requests: b.reduce((acc, x) => acc + x.requests, 0), seconds: seconds(b), value: pooled(b) },
    ratio,
  });
};
addSampleRow('failover after SIGKILL', 'ms', 'kill', true);
addSampleRow('failover after graceful stop (releaseOnCancel)', 'ms', 'release', true);
addPooledRow('leader');
addPooledRow('follower');
addSampleRow(
  `API requests/s per leader, steady ${(WINDOW_MS / 1000).toFixed(0)} s window`,
  'req/s',
  'leaderRps',
  false,
);
addSampleRow(
  `API requests/s per follower, steady ${(WINDOW_MS / 1000).toFixed(0)} s window`,
  'req/s',
  'followerRps',
  false,
);

const fmt = (v: number, unit: string) =>
  Number.isNaN(v) ? 'n/a' : unit === 'ms' ? v.toFixed(0) : v.toFixed(3);
const table = [
  [
    'metric',
    'n',
    'kubekit median',
    'kubekit max',
    'client-go median',
    'client-go max',
    'ratio (median)',
    '95% CI',
    'ratio (max)',
    'goal',
  ],
  ...rows.map((r) => [
    `${r.metric} [${r.unit}]`,
    r.n,
    fmt(r.kubekit.center, r.unit),
    fmt(r.kubekit.max, r.unit),
    fmt(r.clientGo.center, r.unit),
    fmt(r.clientGo.max, r.unit),
    `${r.ratio.toFixed(2)}×`,
    `${r.interval[0].toFixed(2)}–${r.interval[1].toFixed(2)}`,
    Number.isNaN(r.ratioMax) ? 'n/a' : `${r.ratioMax.toFixed(2)}×`,
    r.goal === undefined
      ? '(cross-check)'
      : `${r.goal}: ${r.met ? 'met' : r.interval[0] <= 1 ? 'NOT met (within noise)' : 'NOT met'}`,
  ]),
];
const widths = table[0]!.map((_, c) => Math.max(...table.map((r) => r[c]!.length)));
const line = (cells: string[]) => `| ${cells.map((cell, c) => cell.padEnd(widths[c]!)).join(' | ')} |`;
const loadAfter = loadavg()[0]!;
const machine = {
  cpus: availableParallelism(),
  loadavg1mBefore: loadBefore,
  loadavg1mAfter: loadAfter,
  node: process.version,
  clientGo: 'v0.37.1',
};
console.log(
  `leaderelection: kubekit LeaderElector vs client-go tools/leaderelection v0.37.1 on a Lease — ` +
    `durations ${timingsText} (lease/renew/retry)${quick ? ' (quick)' : ''}, ${TRIALS} trials of each failover, ` +
    `${CANDIDATES} candidate processes per implementation, request window ${(WINDOW_MS / 1000).toFixed(0)} s; ` +
    `${machine.cpus} CPUs, load ${loadBefore.toFixed(1)} → ${loadAfter.toFixed(1)}; ` +
    `${((performance.now() - startedAt) / 60_000).toFixed(1)} min`,
);
console.log(
  'failover = successor OnStartedLeading − moment before kill(2)/SIGTERM, both on CLOCK_MONOTONIC; ' +
    'requests counted per candidate by its own loopback proxy; whole-run rows: Σ requests / Σ seconds in the role ' +
    '(follower: ready → started; leader: started → exit, release included; n = seconds per side; max = busiest ' +
    'candidate with ≥ 20 retry periods in the role); ratio = kubekit / client-go, 95% CI by bootstrap',
);
console.log(line(table[0]!));
console.log(line(widths.map((w) => '-'.repeat(w))));
for (const r of table.slice(1)) console.log(line(r));
for (const l of jsonLines) console.log(l);
console.log(
  JSON.stringify({ benchmark: 'leaderelection', summary: true, machine, quick, timings: timingsText, rows }),
);
