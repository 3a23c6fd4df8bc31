#!/usr/bin/env bash
# Client benchmark (issue 3): list 10,000 ConfigMaps in pages of 500 with kubekit versus
# @kubernetes/client-node 2.0.x on Node 24, and decode 100,000 recorded watch events versus the
# JSON.parse floor, against one real kube-apiserver started for this run and stopped at exit.
# Prints a table and one JSON line per measurement. Never part of `npm test`.
#
#   bash bench/client/run.sh
#
# Knobs (environment): BENCH_CLIENT_ROUNDS (3), BENCH_CLIENT_LIST_ITERATIONS (5),
# BENCH_CLIENT_LIST_WARMUP (2), BENCH_CLIENT_LIST_MEMORY_ITERATIONS (1), BENCH_CLIENT_WATCH_ROUNDS (2),
# BENCH_CLIENT_WATCH_ITERATIONS (5), BENCH_CLIENT_WATCH_EVENTS (100000), BENCH_CLIENT_CHUNKS
# (16384,65536), BENCH_CLIENT_ONLY (list,watch), BENCH_CLIENT_NODE20 (0 skips the Node 20 rows),
# KUBEKIT_BENCH_SRC (another checkout's src/ to measure a prototype).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"

node24=$(bash scripts/ensure-node.sh 24)
node20=""
if [[ ${BENCH_CLIENT_NODE20:-1} != 0 ]]; then
  node20=$(command -v node)
  [[ $("$node20" --version) == v20.* ]] || node20=""
fi

# The peer lives in its own git-ignored node_modules, never in kubekit's package.json.
peer=$here/peer
want=$(node -p "require('$peer/package.json').dependencies['@kubernetes/client-node']")
have=$(node -p "try { require('$peer/node_modules/@kubernetes/client-node/package.json').version } catch { '' }")
if [[ $have != "$want" ]]; then
  echo "bench/client: installing @kubernetes/client-node@$want into $peer" >&2
  npm install --prefix "$peer" --no-audit --no-fund --no-package-lock --loglevel=error >&2
fi

[[ -d node_modules/tsx ]] || { echo "bench/client: run npm install first (tsx is missing)" >&2; exit 1; }
BENCH_NODE24=$node24 BENCH_NODE20=$node20 BENCH_GIT_COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$([[ -n $(git status --porcelain -- src 2>/dev/null) ]] && echo "+uncommitted-src-changes") \
  exec "$node24" --import tsx "$here/main.ts"
