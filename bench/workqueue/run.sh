#!/usr/bin/env bash
# Workqueue benchmark: kubekit versus k8s.io/client-go/util/workqueue v0.37.1 (the release
# tools/kube-local pins). Builds the Go side, then runs both alternately and prints a table and a
# JSON line. Arguments go to compare.ts (--rounds N, --reps N, --quick).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bin="$root/.cache/bench/workqueue-go"
mkdir -p "$(dirname "$bin")"
(cd "$root/bench/workqueue/go" && GOFLAGS=-mod=mod go build -o "$bin" .)
cd "$root"
exec npx tsx bench/workqueue/compare.ts --go-bin "$bin" "$@"
