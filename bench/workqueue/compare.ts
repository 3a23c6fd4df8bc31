// kubekit's workqueue versus client-go's util/workqueue (v0.37.1) on this machine, in one run.
//
// Every scenario runs as separate processes — the Go program (go/main.go) and its TypeScript
// mirror (kubekit.ts) — alternating which goes first, `--rounds` times, so that background load
// on a shared machine hits both sides alike. Each process does one unmeasured warm-up run and
// `--reps` measured runs; the table shows the median and the best of all measured runs of all
// rounds, and the first (cold, before JIT warm-up) run separately. The last line of output is the result as one JSON object.
//
// Usage: bench/workqueue/run.sh [--rounds 2] [--reps 5] [--quick]
import { spawnSync } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');

const { values } = parseArgs({
  options: {
    'go-bin': { type: 'string', default: join(root, '.cache', 'bench', 'workqueue-go') },
    rounds: { type: 'string', default: '2' },
    reps: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '1' },
    quick: { type: 'boolean', default: false },
  },
});
const rounds = Number(values.rounds);
const quick = values.quick;
const common = ['--warmup', values.warmup, '--reps', quick ? '2' : values.reps];

type Sample = Record<string, unknown>;

interface Scenario {
  name: string;
  args: string[];
}

const N = quick ? 100_000 : 1_000_000;
const DELAYED_N = quick ? 20_000 : 100_000;
const scenarios: Scenario[] = [
  ...[1, 8, 64].map((w) => ({
    name: `add/get/done, ${w} worker${w > 1 ? 's' : ''}`,
    args: ['--scenario', 'throughput', '--n', String(N), '--workers', String(w)],
  })),
  {
    name: 'addAfter, random delays ≤ 1 s',
    args: ['--scenario', 'addafter', '--n', String(DELAYED_N), '--max-delay-ms', '1000'],
  },
];

function run(impl: 'client-go' | 'kubekit', args: string[]): Sample {
  // The Go flag package accepts --flag value just like parseArgs does.
  const [cmd, argv] =
    impl === 'client-go'
      ? [values['go-bin'], [...args, ...common]]
      : [process.execPath, ['--expose-gc', '--import', 'tsx', join(here, 'kubekit.ts'), ...args, ...common]];
  const res = spawnSync(cmd, argv, { cwd: root, encoding: 'utf8', maxBuffer: 16 << 20 });
  if (res.status !== 0) {
    throw new Error(
      `${impl} ${args.join(' ')} failed (${res.status ?? res.signal}):\n${res.stderr}${res.error ?? ''}`,
    );
  }
  const lines = res.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as Sample;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** All measured samples of `field` over the rounds (falls back to the per-process value). */
function pooled(samples: Sample[], field: string): number[] {
  return samples.flatMap((s) => (s[`${field}Samples`] as number[] | undefined) ?? [s[field] as number]);
}

interface Row {
  scenario: string;
  metric: string;
  unit: string;
  clientGo: number;
  kubekit: number;
  /** kubekit / client-go */
  ratio: number;
  higherIsBetter: boolean;
  goal?: string;
  met?: boolean;
}

const rows: Row[] = [];
const row = (r: Omit<Row, 'ratio'>) => rows.push({ ...r, ratio: r.kubekit / r.clientGo });
const [loadBefore = 0] = loadavg();
let goRuntime = '';

for (const sc of scenarios) {
  const got: Record<'client-go' | 'kubekit', Sample[]> = { 'client-go': [], kubekit: [] };
  for (let round = 0; round < rounds; round++) {
    const order: ('client-go' | 'kubekit')[] =
      round % 2 === 0 ? ['client-go', 'kubekit'] : ['kubekit', 'client-go'];
    for (const impl of order) {
      process.stderr.write(`  ${sc.name}: ${impl} (round ${round + 1}/${rounds})\n`);
      got[impl].push(run(impl, sc.args));
    }
  }
  goRuntime = String(got['client-go'][0]?.runtime ?? goRuntime);
  const med = (impl: 'client-go' | 'kubekit', field: string) => median(pooled(got[impl], field));
  const best = (impl: 'client-go' | 'kubekit', field: string) => Math.max(...pooled(got[impl], field));
  const throughputRow = (metric: string, field: string, goal?: string, pick = med) => {
    const clientGo = pick('client-go', field);
    const kubekit = pick('kubekit', field);
    row({
      scenario: sc.name,
      metric,
      unit: 'ops/s',
      clientGo,
      kubekit,
      higherIsBetter: true,
      ...(goal === undefined ? {} : { goal, met: kubekit >= clientGo }),
    });
  };
  throughputRow('throughput (median)', 'opsPerSec', '≥ 1×');
  throughputRow('throughput, best run', 'opsPerSec', undefined, best);
  throughputRow('throughput, first run (median)', 'coldOpsPerSec');
  row({
    scenario: sc.name,
    metric: 'CPU time per item, all threads (median)',
    unit: 'ns',
    clientGo: med('client-go', 'cpuNsPerOp'),
    kubekit: med('kubekit', 'cpuNsPerOp'),
    higherIsBetter: false,
  });
  if (sc.args.includes('addafter')) {
    row({
      scenario: sc.name,
      metric: 'delivered after last due (median)',
      unit: 'ms',
      clientGo: med('client-go', 'lateMs'),
      kubekit: med('kubekit', 'lateMs'),
      higherIsBetter: false,
    });
    const goBytes = med('client-go', 'bytesPerItem');
    const kkBytes = med('kubekit', 'bytesPerItem');
    row({
      scenario: sc.name,
      metric: 'heap per pending item',
      unit: 'bytes',
      clientGo: goBytes,
      kubekit: kkBytes,
      higherIsBetter: false,
      goal: '≤ 2×',
      met: kkBytes <= 2 * goBytes,
    });
    row({
      scenario: sc.name,
      metric: 'peak RSS of the process',
      unit: 'MiB',
      clientGo: Math.max(...pooled(got['client-go'], 'peakRssKiB')) / 1024,
      kubekit: Math.max(...pooled(got.kubekit, 'peakRssKiB')) / 1024,
      higherIsBetter: false,
    });
  }
}

const fmt = (v: number, unit: string) =>
  unit === 'ops/s'
    ? `${(v / 1e6).toFixed(2)}M`
    : unit === 'bytes' || unit === 'ns'
      ? v.toFixed(0)
      : v.toFixed(1);
const table = [
  ['scenario', 'metric', 'client-go', 'kubekit', 'kubekit/client-go', 'goal'],
  ...rows.map((r) => [
    r.scenario,
    `${r.metric} [${r.unit}]`,
    fmt(r.clientGo, r.unit),
    fmt(r.kubekit, r.unit),
    `${r.ratio.toFixed(2)}×`,
    r.goal === undefined ? '' : `${r.goal} ${r.met ? 'met' : 'NOT met'}`,
  ]),
];
const widths = table[0]!.map((_, c) => Math.max(...table.map((r) => r[c]!.length)));
const line = (cells: string[]) => `| ${cells.map((cell, c) => cell.padEnd(widths[c]!)).join(' | ')} |`;
const [loadAfter = 0] = loadavg();
const machine = {
  cpus: availableParallelism(),
  loadavg1mBefore: loadBefore,
  loadavg1mAfter: loadAfter,
  node: process.version,
  go: goRuntime,
  clientGo: 'v0.37.1',
};

console.log(
  `workqueue: kubekit vs client-go util/workqueue v0.37.1 — ${machine.cpus} CPUs, load ${loadBefore.toFixed(1)} → ${loadAfter.toFixed(1)}, ` +
    `${rounds} rounds × ${quick ? 2 : values.reps} runs per side${quick ? ' (quick)' : ''}`,
);
console.log(line(table[0]!));
console.log(line(widths.map((w) => '-'.repeat(w))));
for (const r of table.slice(1)) console.log(line(r));
console.log(JSON.stringify({ benchmark: 'workqueue', machine, quick, rows }));
