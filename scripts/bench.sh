#!/usr/bin/env bash
# `npm run bench`: runs every bench/<name>/run.sh (never part of `npm test`). With arguments, runs
# only the named benchmarks: `npm run bench -- workqueue`. A failing benchmark is reported and the
# others still run; the exit status is 1 if any failed.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
status=0
ran=0
shopt -s nullglob
for run in "$root"/bench/*/run.sh; do
  name="$(basename "$(dirname "$run")")"
  if [ "$#" -gt 0 ] && ! printf '%s\n' "$@" | grep -qxF "$name"; then
    continue
  fi
  ran=$((ran + 1))
  echo "== bench/$name"
  if ! bash "$run"; then
    echo "!! bench/$name failed" >&2
    status=1
  fi
done
if [ "$ran" -eq 0 ]; then
  echo "no benchmark matched: bench/*/run.sh${*:+ named $*}" >&2
  exit 1
fi
exit "$status"
