#!/usr/bin/env bash
# Leader election benchmark (issue 6): failover after SIGKILL and after graceful release, and API
# requests per second per candidate, kubekit versus k8s.io/client-go/tools/leaderelection v0.37.1
# (the release tools/kube-local pins), identical durations (default kube-scheduler's 15s/10s/2s),
# against one real kube-apiserver started for this run. Prints a table and one JSON line per
# measurement. Takes ~13 minutes with the default durations; `--quick` (4s/3s/1s, 5 trials) is a
# smoke run. Arguments go to main.ts: --trials N, --timings 15s/10s/2s, --candidates N, --window-s N.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
[[ -d node_modules/tsx ]] || { echo "bench/leaderelection: run npm install first (tsx is missing)" >&2; exit 1; }
# The client-go candidate is built (or reused from the user cache dir) by main.ts from
# test/integration/leaderelection/interop/go, the program the interop test runs.
exec node --import tsx bench/leaderelection/main.ts "$@"
