// Loads every public subpath of the built package through its package.json "exports", once as
// ESM and once as CommonJS, so a broken entry or a missing file fails the test command.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const require = createRequire(import.meta.url);
let failures = 0;
for (const subpath of Object.keys(pkg.exports)) {
  if (subpath.endsWith('.json')) continue;
  const specifier = subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`;
  for (const [kind, load] of [
    ['esm', (s) => import(s)],
    ['cjs', (s) => Promise.resolve(require(s))],
  ]) {
    try {
      const mod = await load(specifier);
      if (typeof mod !== 'object' || mod === null) throw new Error('did not load a module object');
    } catch (err) {
      failures++;
      console.error(`${specifier} (${kind}): ${err.message}`);
    }
  }
}
if (failures) process.exit(1);
console.log(`package exports: ${Object.keys(pkg.exports).length - 1} subpaths load as ESM and CJS`);
