/**
 * Summarizes a V8 .heapsnapshot (from BENCH_INFORMER_HEAP_SNAPSHOT=dir bash bench/informer/run.sh,
 * taken after sync and a forced GC): self size by kind of node — strings, each constructor's
 * objects, arrays, Map/Set tables, hidden/code — as bytes and bytes per cached object, so a
 * per-object memory figure can be broken down.
 *
 *   npx tsx bench/informer/heap-summary.ts [--objects=50000] [--top=30] <file.heapsnapshot>…
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

const args = process.argv.slice(2);
const objects = Number(args.find((a) => a.startsWith('--objects='))?.slice(10) ?? 50_000);
const top = Number(args.find((a) => a.startsWith('--top='))?.slice(6) ?? 30);
const files = args.filter((a) => !a.startsWith('--'));

for (const file of files) {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const groups = new Map<string, { bytes: number; count: number }>();
  const stringsByValue = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt]!]!;
    const name = snap.strings[snap.nodes[i + nameAt]!]!;
    const size = snap.nodes[i + sizeAt]!;
    total += size;
    let key: string;
    if (type === 'string' || type === 'concatenated string' || type === 'sliced string') {
      key = `(${type})`;
      if (type === 'string') stringsByValue.set(name, (stringsByValue.get(name) ?? 0) + 1);
    } else if (type === 'object' || type === 'closure' || type === 'regexp') {
      key = `${type} ${name.length > 60 ? `${name.slice(0, 60)}…` : name}`;
    } else {
      key = `${type} ${name.replace(/\d+/g, 'N').slice(0, 60)}`;
    }
    const g = groups.get(key) ?? { bytes: 0, count: 0 };
    g.bytes += size;
    g.count++;
    groups.set(key, g);
  }
  console.log(
    `${basename(file)}: ${(total / 1024 / 1024).toFixed(1)} MiB in ${snap.nodes.length / width} nodes; ${(total / objects).toFixed(0)} B per cached object (${objects})`,
  );
  console.log('  bytes/object   count/object   MiB   group');
  for (const [key, g] of [...groups].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, top)) {
    console.log(
      `  ${(g.bytes / objects).toFixed(1).padStart(12)} ${(g.count / objects).toFixed(2).padStart(14)} ${(g.bytes / 1024 / 1024).toFixed(1).padStart(6)}   ${key}`,
    );
  }
  const dup = [...stringsByValue].filter(([, n]) => n >= objects / 2).sort((a, b) => b[1] - a[1]);
  if (dup.length > 0) {
    console.log('  strings held ≥ once per two objects (duplicates a string table could share):');
    for (const [value, n] of dup.slice(0, 15))
      console.log(`    ${String(n).padStart(8)} × ${JSON.stringify(value.slice(0, 50))}`);
  }
}
