#!/usr/bin/env bash
# Informer benchmark (issue 4): kubekit's shared informer versus client-go's (k8s.io/client-go
# v0.37.1, the release tools/kube-local pins) and @kubernetes/client-node 2.0.x's, on one real
# kube-apiserver seeded with 50,000 ConfigMaps of ~1 KiB: time to sync, RSS and heap after sync,
# memory per cached object (sync-only rounds on the settled apiserver), delivery of 100,000
# updates (throughput, lag, CPU per event) and a 10-minute watch soak. Prints a table with ratios,
# each sync time's ratio to a floor (client-go's bare LIST of the same collection as an informer asks for it, variant
# client-go-bare-list, measured in the same sync-only rounds) and one JSON line per measurement.
# Takes about 45 minutes with the defaults on a quiet 2-core machine. Never part of `npm test`.
# See main.ts for what is measured how.
#
#   bash bench/informer/run.sh            (or: npm run bench -- informer)
#
# Knobs (environment): BENCH_INFORMER_ROUNDS (5 sync-only rounds), BENCH_INFORMER_UPDATE_ROUNDS (3),
# BENCH_INFORMER_SETTLE_SECONDS (30, after seeding), BENCH_INFORMER_OBJECTS (50000),
# BENCH_INFORMER_UPDATES (100000), BENCH_INFORMER_WRITERS (128 patches in flight),
# BENCH_INFORMER_SOAK_SECONDS (600; 0 skips the soak), BENCH_INFORMER_SOAK
# (kubekit@24,client-go,client-node@24), BENCH_INFORMER_SOAK_RATE (20/s), BENCH_INFORMER_SOAK_CHURN
# (1/s), BENCH_INFORMER_EXTRAS (0 skips the sync-only extra rows, not the LIST floor),
# BENCH_INFORMER_ONLY (variant keys, comma-separated; the LIST floor always runs),
# BENCH_INFORMER_NODE20 (0 skips Node 20), BENCH_INFORMER_CPU_PROF (dir: CPU profiles of the Node
# workers' sync and update phases), BENCH_INFORMER_HEAP_SNAPSHOT (dir: heap snapshot after sync +
# GC), BENCH_INFORMER_HOLD=1 (seed, print the kubeconfig, keep the plane up until Ctrl-C),
# BENCH_INFORMER_KUBECONFIG (+ BENCH_INFORMER_NAMESPACE: reuse an already seeded
# cluster), KUBEKIT_BENCH_SRC / KUBEKIT_BENCH_SRC_B (another copy of src/ inside this repo, e.g.
# under .cache/, to measure a prototype; _B adds it as an extra column).
#
# Companions: pipeline.ts (kubekit's informer pipeline in-process, no apiserver: per-event and
# per-object cost for A/B of prototypes), heap-summary.ts (breaks a heap snapshot down),
# ../client/prof-summary.ts (summarizes the CPU profiles).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"

node24=$(bash scripts/ensure-node.sh 24)
node20=""
if [[ ${BENCH_INFORMER_NODE20:-1} != 0 ]]; then
  node20=$(command -v node)
  [[ $("$node20" --version) == v20.* ]] || node20=""
fi

# The peer lives in its own git-ignored node_modules, never in kubekit's package.json.
peer=$here/peer
want=$(node -p "require('$peer/package.json').dependencies['@kubernetes/client-node']")
have=$(node -p "try { require('$peer/node_modules/@kubernetes/client-node/package.json').version } catch { '' }")
if [[ $have != "$want" ]]; then
  echo "bench/informer: installing @kubernetes/client-node@$want into $peer" >&2
  npm install --prefix "$peer" --no-audit --no-fund --no-package-lock --loglevel=error >&2
fi

# client-go side: its own module (bench/informer/go), built into the git-ignored .cache.
bin="$root/.cache/bench/informer-go"
mkdir -p "$(dirname "$bin")"
(cd "$here/go" && GOFLAGS=-mod=mod go build -o "$bin" .)

[[ -d node_modules/tsx ]] || { echo "bench/informer: run npm install first (tsx is missing)" >&2; exit 1; }

# Every kubekit worker loads src/ when it starts, over a run of an hour; others edit this work tree
# meanwhile. Measure one snapshot of src/ taken now (inside the repo, so its imports resolve).
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n $(git status --porcelain -- src 2>/dev/null) ]]; then commit+="+uncommitted-src-changes"; fi
if [[ -z ${KUBEKIT_BENCH_SRC:-} ]]; then
  snapshot="$root/.cache/bench/informer/src-snapshot"
  rm -rf "$snapshot"
  mkdir -p "$(dirname "$snapshot")"
  cp -r src "$snapshot"
  export KUBEKIT_BENCH_SRC=$snapshot
  echo "bench/informer: measuring kubekit $commit (src/ copied to $snapshot)" >&2
fi
BENCH_NODE24=$node24 BENCH_NODE20=$node20 BENCH_INFORMER_GO_BIN=$bin BENCH_GIT_COMMIT=$commit \
  exec "$node24" --import tsx "$here/main.ts"
