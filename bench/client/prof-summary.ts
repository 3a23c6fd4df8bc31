/**
 * Summarizes V8 .cpuprofile files (from `--cpu-prof`, e.g. BENCH_CLIENT_CPU_PROF=dir bash
 * bench/client/run.sh): self time by function and by area (JSON.parse, GC, kubekit src, undici,
 * node internals, client-node, …), as a share of the sampled time.
 *
 *   npx tsx bench/client/prof-summary.ts [--top=25] [--grep=<substring of the file name>] <dir-or-files>…
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const args = process.argv.slice(2);
const top = Number(args.find((a) => a.startsWith('--top='))?.slice(6) ?? 25);
const grep = args.find((a) => a.startsWith('--grep='))?.slice(7);
// --callers=<function name>: where the self time of that function comes from (5 frames up).
const callersOf = args.find((a) => a.startsWith('--callers='))?.slice(10);
const inputs = args.filter((a) => !a.startsWith('--'));
const files = inputs.flatMap((p) =>
  statSync(p).isDirectory()
    ? readdirSync(p)
        .filter((f) => f.endsWith('.cpuprofile'))
        .map((f) => join(p, f))
    : [p],
);

function area(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (functionName === '(garbage collector)') return 'GC';
  if (functionName === '(idle)') return 'idle';
  if (functionName === '(program)') return 'program (native, unattributed)';
  if (!url) {
    if (functionName === 'parse') return 'JSON.parse';
    return `native: ${functionName || '(anonymous)'}`;
  }
  if (url.includes('/src/client/')) return 'kubekit src/client';
  if (url.includes('/src/')) return 'kubekit src (other)';
  if (url.includes('@kubernetes/client-node')) return 'client-node';
  if (url.includes('/undici/')) return 'undici';
  if (url.includes('/bench/client/')) return 'bench harness';
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  if (url.includes('node_modules')) return `dep: ${url.split('node_modules/').at(-1)?.split('/')[0]}`;
  return url;
}

for (const file of files) {
  if (grep && !basename(file).includes(grep)) continue;
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    self.set(id, (self.get(id) ?? 0) + dt);
    total += dt;
  });
  const idle = [...self].filter(([id]) => byId.get(id)?.callFrame.functionName === '(idle)');
  const idleUs = idle.reduce((a, [, t]) => a + t, 0);
  const busy = total - idleUs;
  const byFunction = new Map<string, number>();
  const byArea = new Map<string, number>();
  for (const [id, t] of self) {
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === '(idle)') continue;
    const where = frame.url
      ? `${frame.url.replace(/^.*\/(node_modules|src|bench)\//, '$1/')}:${frame.lineNumber + 1}`
      : '';
    const key = `${frame.functionName || '(anonymous)'} ${where}`.trim();
    byFunction.set(key, (byFunction.get(key) ?? 0) + t);
    const a = area(frame);
    byArea.set(a, (byArea.get(a) ?? 0) + t);
  }
  const pct = (t: number) => `${((100 * t) / busy).toFixed(1).padStart(5)}%`;
  if (callersOf) {
    const parent = new Map<number, number>();
    for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    const stacks = new Map<string, number>();
    for (const [id, t] of self) {
      if (byId.get(id)!.callFrame.functionName !== callersOf) continue;
      const frames: string[] = [];
      for (let p = parent.get(id); p !== undefined && frames.length < 5; p = parent.get(p)) {
        const f = byId.get(p)!.callFrame;
        frames.push(
          `${f.functionName || '(anonymous)'}@${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`,
        );
      }
      const key = frames.join(' < ');
      stacks.set(key, (stacks.get(key) ?? 0) + t);
    }
    console.log(`\n== ${basename(file)}: callers of ${callersOf}`);
    for (const [k, t] of [...stacks].sort((x, y) => y[1] - x[1]).slice(0, 8)) console.log(`${pct(t)}  ${k}`);
    continue;
  }
  console.log(
    `\n== ${basename(file)}: ${(total / 1000).toFixed(0)} ms sampled, ${(busy / 1000).toFixed(0)} ms busy`,
  );
  console.log('-- self time by area');
  for (const [a, t] of [...byArea].sort((x, y) => y[1] - x[1]).slice(0, 15)) console.log(`${pct(t)}  ${a}`);
  console.log(`-- self time by function (top ${top})`);
  for (const [f, t] of [...byFunction].sort((x, y) => y[1] - x[1]).slice(0, top))
    console.log(`${pct(t)}  ${f}`);
}
