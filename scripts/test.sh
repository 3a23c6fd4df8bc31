#!/usr/bin/env bash
# The test command (README, .ci/run): lint, typecheck, package build and its checks (exports,
# publint, attw, API docs), then the unit and integration suites on this machine's Node and on
# Node 24 LTS (the integration suite against a real kube-apiserver built by tools/kube-local),
# and the unit suite on Node 26. Ends with one "total: N passed, N failed" line.
set -uo pipefail
cd "$(dirname "$0")/.."
node_versions=(${KUBEKIT_TEST_NODE_VERSIONS:-system 24 26})
# The integration suite (minutes of real apiserver work per version) runs on the oldest supported
# Node and the current LTS; the others run the unit suite, which is where runtime differences
# show (the CI time budget is 45 minutes cold, Kubernetes build included).
integration_versions=" ${KUBEKIT_TEST_INTEGRATION_NODE_VERSIONS:-system 24} "
report_dir=$(mktemp -d)
trap 'rm -rf "$report_dir"' EXIT
failed_steps=()

step() {
  local name=$1
  shift
  echo "── $name"
  local start=$SECONDS
  if "$@"; then
    echo "── $name: ok ($((SECONDS - start))s)"
  else
    echo "── $name: FAILED ($((SECONDS - start))s)"
    failed_steps+=("$name")
  fi
}

step lint npx --no-install biome check .
step typecheck npx --no-install tsc --noEmit
step "package build" npm run --silent build
step "package exports" node scripts/check-exports.mjs
# publint: package.json fields and files as npm would publish them; attw: every subpath's types
# resolve for node10 (typesVersions), node16 from CJS and ESM, and bundler; typedoc: the API
# reference builds with no warning (broken {@link}s, public types that are not exported).
step "package lint" npx --no-install publint --strict
step "package types" npx --no-install attw --pack . --profile strict
step docs npm run --silent docs
step "kube-local build" bash tools/kube-local/build.sh

for v in "${node_versions[@]}"; do
  if [[ $v == system ]]; then
    node_bin=$(command -v node)
  else
    node_bin=$(bash scripts/ensure-node.sh "$v") || { failed_steps+=("install node $v"); continue; }
  fi
  label="node $("$node_bin" --version)"
  projects=()
  if [[ $integration_versions != *" $v "* ]]; then
    projects=(--project unit)
    label+=" (unit)"
  fi
  step "tests on $label" "$node_bin" node_modules/vitest/vitest.mjs run "${projects[@]}" \
    --reporter=default --reporter=json --outputFile.json="$report_dir/$v.json"
done

node -e '
  const fs = require("node:fs");
  let passed = 0, failed = 0;
  const failures = [];
  for (const f of fs.readdirSync(process.argv[1])) {
    const r = JSON.parse(fs.readFileSync(process.argv[1] + "/" + f, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests;
    // CI keeps only the tail of the log: name every failure (and a file that failed to load)
    // here, next to the total, with the first lines of its message.
    for (const file of r.testResults) {
      const where = `[node ${f.replace(/\.json$/, "")}] ${file.name.replace(process.cwd() + "/", "")}`;
      const tests = file.assertionResults.filter((t) => t.status === "failed");
      if (tests.length === 0 && file.status === "failed") failures.push(`${where}: ${file.message}`);
      for (const t of tests) {
        const msg = (t.failureMessages[0] ?? "").split("\n").slice(0, 6).join("\n    ");
        failures.push(`${where} > ${t.fullName}\n    ${msg}`);
      }
    }
  }
  for (const line of failures) console.log(`FAILED ${line}`);
  console.log(`total: ${passed} passed, ${failed} failed`);
' "$report_dir"
if ((${#failed_steps[@]})); then
  echo "failed steps: ${failed_steps[*]}"
  exit 1
fi
