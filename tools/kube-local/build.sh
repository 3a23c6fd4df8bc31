#!/usr/bin/env bash
# Builds the real control plane from the Go module proxy: kube-apiserver, kube-scheduler,
# kube-controller-manager and kubectl at the release go.mod pins, etcd at the version that
# release requires, and kube-local-helper (throwaway PKI and process supervision for the
# launcher). Static (CGO_ENABLED=0), with the version ldflags Kubernetes' own build sets, so
# /version reports the release.
#
# Binaries land in a cache folder outside the work tree, keyed by everything that affects
# them; when that folder is complete the script does nothing. Go's build cache makes a
# rebuild after a key change cheap too. Progress goes to stderr; the last line on stdout is
# the folder holding the binaries.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"

die() { echo "kube-local build: $*" >&2; exit 1; }
command -v go >/dev/null 2>&1 || die "the Go toolchain is not on PATH. Install Go $(awk '$1=="go"{print $2}' go.mod) or newer (https://go.dev/dl) and run this again."

release=$(awk '$1=="k8s.io/kubernetes"{print $2; exit}' go.mod)
[[ $release =~ ^v1\.([0-9]+)\.[0-9]+$ ]] || die "go.mod does not require a k8s.io/kubernetes release (found '$release'); run ./gen-go-mod.sh vX.Y.Z"
minor=${BASH_REMATCH[1]}

key=$( { go version; cat build.sh go.mod go.sum etcd/go.mod etcd/go.sum etcd/*.go helper/*.go; } | sha256sum | cut -c1-16)
cache_root=${KUBEKIT_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kubekit}
out="$cache_root/kube-local/$release-$key"
binaries=(kube-apiserver kube-scheduler kube-controller-manager kubectl etcd kube-local-helper)

complete() { for b in "${binaries[@]}"; do [[ -x $out/$b ]] || return 1; done; }
if complete; then
  echo "kube-local: $release binaries are up to date in $out" >&2
  echo "$out"
  exit 0
fi

mkdir -p "$out.tmp"
# The module proxy's .info gives the release time; using it as buildDate keeps builds reproducible.
info=$(go mod download -json "k8s.io/kubernetes@$release" 2>/dev/null | sed -n 's/.*"Info": "\(.*\)",*/\1/p') || true
build_date=$(sed -n 's/.*"Time": *"\([^"]*\)".*/\1/p' "$info" 2>/dev/null | cut -c1-19)Z
[[ $build_date != Z ]] || build_date=1970-01-01T00:00:00Z
ldflags="-s -w"
for pkg in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
  ldflags+=" -X $pkg.gitVersion=$release -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
  ldflags+=" -X $pkg.gitTreeState=archive -X $pkg.buildDate=$build_date"
done

export CGO_ENABLED=0 GOFLAGS=-mod=mod
start=$SECONDS
echo "kube-local: building Kubernetes $release (first build downloads modules and compiles for a while; later builds are cached)" >&2
go build -trimpath -ldflags "$ldflags" -o "$out.tmp/" \
  k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-scheduler \
  k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kubectl \
  || die "go build of Kubernetes $release failed (see the errors above). If modules could not be downloaded, check that the Go module proxy is reachable: go env GOPROXY"
go build -trimpath -ldflags "-s -w" -o "$out.tmp/kube-local-helper" ./helper || die "go build of kube-local-helper failed"
(cd etcd && go build -trimpath -ldflags "-s -w" -o "$out.tmp/etcd" .) || die "go build of etcd failed"
rm -rf "$out" && mv "$out.tmp" "$out"
echo "kube-local: built in $((SECONDS - start))s into $out" >&2
echo "$out"
