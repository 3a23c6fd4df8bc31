#!/usr/bin/env bash
# Builds the real control plane from the Go module proxy: kube-apiserver, kube-scheduler,
# kube-controller-manager and kubectl at the release go.mod pins, etcd at the version that
# release requires, and kube-local-helper (throwaway PKI and process supervision for the
# launcher). Static (CGO_ENABLED=0), with the version ldflags Kubernetes' own build sets, so
# /version reports the release.
#
# Usage: build.sh [core|all]   (default all)
#   core  etcd, kube-apiserver and kube-local-helper: what a control plane needs to start
#   all   core, then kubectl, kube-scheduler and kube-controller-manager
# Binaries land in a cache folder outside the work tree, keyed by everything that affects
# them; a binary already there is not built again, so `core` now and `all` later costs no
# more than `all` once. A cold build takes minutes: progress (phase, packages compiled out of
# the total, elapsed time) goes to stderr at least every 15 s, as plain lines unless stderr is
# a terminal. The last line on stdout is the folder holding the binaries.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"

die() { echo "kube-local build: $*" >&2; exit 1; }
command -v go >/dev/null 2>&1 || die "the Go toolchain is not on PATH. Install Go $(awk '$1=="go"{print $2}' go.mod) or newer (https://go.dev/dl) and run this again."

group=${1:-all}
case $group in
  core) wanted=(etcd kube-local-helper kube-apiserver) ;;
  all) wanted=(etcd kube-local-helper kube-apiserver kubectl kube-scheduler kube-controller-manager) ;;
  *) die "unknown group '$group': use core (etcd, kube-apiserver, helper) or all" ;;
esac

release=$(awk '$1=="k8s.io/kubernetes"{print $2; exit}' go.mod)
[[ $release =~ ^v1\.([0-9]+)\.[0-9]+$ ]] || die "go.mod does not require a k8s.io/kubernetes release (found '$release'); run ./gen-go-mod.sh vX.Y.Z"
minor=${BASH_REMATCH[1]}

# The key covers what goes into the binaries: Go, the module files, our sources, and this
# script's build flags (the lines that set goflags and ldflags).
key=$( { go version; cat go.mod go.sum etcd/go.mod etcd/go.sum etcd/*.go helper/*.go; grep -E '^(goflags|ldflags)=|ldflags\+=' "$here/build.sh"; } | sha256sum | cut -c1-16)
cache_root=${KUBEKIT_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kubekit}
out="$cache_root/kube-local/$release-$key"

missing=()
for b in "${wanted[@]}"; do [[ -x $out/$b ]] || missing+=("$b"); done
if ((${#missing[@]} == 0)); then
  echo "kube-local: $release binaries ($group) are up to date in $out" >&2
  echo "$out"
  exit 0
fi
mkdir -p "$out"
work=$(mktemp -d "$out/.build.XXXXXX")
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

export CGO_ENABLED=0 GOFLAGS=-mod=mod
start=$SECONDS
tty=false
[[ -t 2 ]] && tty=true
# One progress line: rewritten in place on a terminal, a new line otherwise.
progress() {
  local line="kube-local: [$(printf '%3d' $((SECONDS - start)))s] $*"
  if $tty; then printf '\r\033[K%s' "$line" >&2; else echo "$line" >&2; fi
}
endprogress() { if $tty; then printf '\n' >&2; fi; }

# Resolving a package list downloads the modules it needs, and go prints nothing meanwhile.
# Every list this run needs is resolved in the background from the start (downloads overlap
# with compiling the first binaries); waiting for one reports every 15 s how much the module
# cache has grown. resolve NAME DIR PKG… starts one; resolved NAME WHAT waits for it and sets
# `count` to its number of packages (not in a subshell: only this shell can wait for the job).
modcache=$(go env GOMODCACHE)/cache/download
declare -A resolving=()
resolve() {
  local name=$1 dir=$2
  shift 2
  (cd "$dir" && go list -deps "$@") >"$work/$name.deps" 2>"$work/$name.err" &
  resolving[$name]=$!
}
resolved() {
  local name=$1 what=$2 pid=${resolving[$1]} before now
  before=$(du -sm "$modcache" 2>/dev/null | cut -f1) || before=0
  while kill -0 "$pid" 2>/dev/null; do
    for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null || break
    now=$(du -sm "$modcache" 2>/dev/null | cut -f1) || now=$before
    progress "$what: resolving packages, $((now - before)) MB of modules downloaded meanwhile"
  done
  if ! wait "$pid"; then
    endprogress
    cat "$work/$name.err" >&2
    return 1
  fi
  count=$(wc -l <"$work/$name.deps")
}

# Builds packages with `go build -v`, which names each package as it compiles: counts them
# against the total, prints a line at most every 15 s (and at least every 15 s while the
# linker works in silence), and passes anything else (compiler errors) through.
build_with_progress() {
  local what=$1 total=$2
  shift 2
  local done_count=0 last=$SECONDS line status=1 rc
  exec 3< <("$@" 2>&1; echo "__exit $?")
  while :; do
    rc=0
    IFS= read -r -t 15 line <&3 || rc=$?
    ((rc == 0 || rc > 128)) || break # end of output without an exit line: treat as failure
    if ((rc == 0)); then
      case $line in
        "__exit "*) status=${line#__exit }; break ;;
        *[[:space:]]* | *:*) endprogress; echo "$line" >&2 ;;
        *) done_count=$((done_count + 1)) ;;
      esac
      ((SECONDS - last < 15)) && continue
    fi
    last=$SECONDS
    progress "$what: compiled $done_count of $total packages"
  done
  exec 3<&-
  progress "$what: compiled $done_count packages (the others were cached)"
  endprogress
  return "$status"
}

ldflags="-s -w"
build_date=1970-01-01T00:00:00Z
set_version_ldflags() {
  # The module proxy's .info gives the release time; using it as buildDate keeps builds reproducible.
  local info
  info=$(go mod download -json "k8s.io/kubernetes@$release" 2>/dev/null | sed -n 's/.*"Info": "\(.*\)",*/\1/p') || true
  local d
  d=$(sed -n 's/.*"Time": *"\([^"]*\)".*/\1/p' "$info" 2>/dev/null | cut -c1-19) || true
  [[ -n $d ]] && build_date=${d}Z
  for pkg in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
    ldflags+=" -X $pkg.gitVersion=$release -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    ldflags+=" -X $pkg.gitTreeState=archive -X $pkg.buildDate=$build_date"
  done
}

# Moves a finished binary into the cache folder atomically, so a concurrent or interrupted
# build never leaves a half-written one where the launcher looks.
install_bin() { mv -f "$work/$1" "$out/$1"; }

echo "kube-local: building $release: ${missing[*]} (a cold build downloads modules and compiles for minutes; later runs reuse the binaries)" >&2
has() { local b; for b in "${missing[@]}"; do [[ $b == "$1" ]] && return 0; done; return 1; }

goflags=(-trimpath)
k8s_pkgs() { local b; for b in "$@"; do if has "$b"; then echo "k8s.io/kubernetes/cmd/$b"; fi; done; }
core_k8s=$(k8s_pkgs kube-apiserver)
tools_k8s=$(k8s_pkgs kubectl kube-scheduler kube-controller-manager)
has etcd && resolve etcd etcd .
[[ -n $core_k8s ]] && resolve core . $core_k8s
[[ -n $tools_k8s ]] && resolve tools . $tools_k8s

if has kube-local-helper; then
  go build "${goflags[@]}" -ldflags "-s -w" -o "$work/kube-local-helper" ./helper || die "go build of kube-local-helper failed"
  install_bin kube-local-helper
fi
proxy_hint="If modules could not be downloaded, check that the Go module proxy is reachable: go env GOPROXY"
if has etcd; then
  resolved etcd "etcd" || die "resolving etcd's packages failed (see above). $proxy_hint"
  (cd etcd && build_with_progress "etcd" "$count" go build -v "${goflags[@]}" -ldflags "-s -w" -o "$work/etcd" .) ||
    die "go build of etcd failed (see the errors above). $proxy_hint"
  install_bin etcd
  progress "etcd ready"; endprogress
fi

# k8s_phase NAME PKG…: builds Kubernetes commands resolved as NAME.
k8s_phase() {
  local name=$1
  shift
  (($#)) || return 0
  local names=("${@##*/}")
  resolved "$name" "${names[*]}" || die "resolving Kubernetes $release packages failed (see above). $proxy_hint"
  build_with_progress "${names[*]}" "$count" go build -v "${goflags[@]}" -ldflags "$ldflags" -o "$work/" "$@" \
    || die "go build of ${names[*]} failed (see the errors above)"
  for b in "${names[@]}"; do install_bin "$b"; done
  progress "${names[*]} ready"; endprogress
}
if [[ -n $core_k8s$tools_k8s ]]; then
  set_version_ldflags
fi
# shellcheck disable=SC2086 # word splitting of the package lists is intended
k8s_phase core $core_k8s
# shellcheck disable=SC2086
k8s_phase tools $tools_k8s

echo "kube-local: built ${missing[*]} in $((SECONDS - start))s into $out" >&2
echo "$out"
