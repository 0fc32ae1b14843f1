#!/usr/bin/env bash
# Builds the real binaries the control-plane tests start — kube-apiserver, kube-controller-manager,
# kube-scheduler, kubeadm and etcd — from the k8s.io/kubernetes module pinned in go.mod, into a
# cache outside the work tree keyed by version, and reuses it. Prints the bin directory on stdout.
#   KUBEPKI_K8S_CACHE   cache root (default /var/cache/kubepki/k8s, or ~/.cache/kubepki/k8s)
#   GO                  the go command (default: go on PATH, else /usr/local/go/bin/go)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
version="$(awk '$1 == "k8s.io/kubernetes" && $2 ~ /^v1\./ { print $2; exit }' "$here/go.mod")"
[ -n "$version" ] || { echo "build.sh: no k8s.io/kubernetes version in $here/go.mod" >&2; exit 1; }
go="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
[ -x "$go" ] || { echo "build.sh: Go not found (install Go >= 1.24 or set GO=)" >&2; exit 1; }

root="${KUBEPKI_K8S_CACHE:-}"
if [ -z "$root" ]; then
  root=/var/cache/kubepki/k8s
  mkdir -p "$root" 2>/dev/null && [ -w "$root" ] || root="${XDG_CACHE_HOME:-$HOME/.cache}/kubepki/k8s"
fi
# The key: the pinned version, the exact dependency set and how they are built (bump recipe when
# the go build line or ldflags below change).
recipe=1
key="$version-$( (cat "$here/go.mod" "$here/go.sum"; echo "recipe $recipe") | sha256sum | cut -c1-12)"
bin="$root/$key/bin"
tools=(kube-apiserver kube-controller-manager kube-scheduler kubeadm etcd)
complete=1
for t in "${tools[@]}"; do [ -x "$bin/$t" ] || complete=0; done
if [ "$complete" = 1 ]; then echo "$bin"; exit 0; fi

mkdir -p "$root/$key"
exec 9>"$root/$key/.lock"
flock 9   # two builds at once would only fight over two cores
# Whoever held the lock may have just built them: check again, and leave bin/ alone when complete
# (replacing it would pull the binaries from under a test running them).
complete=1
for t in "${tools[@]}"; do [ -x "$bin/$t" ] || complete=0; done
if [ "$complete" = 1 ]; then echo "$bin"; exit 0; fi

export GOMODCACHE="$root/gomod" GOCACHE="$root/gocache" GOFLAGS=-mod=mod CGO_ENABLED=0
export GOTOOLCHAIN=local
minor="${version#v1.}"; minor="${minor%%.*}"
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=$version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
  ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
done
tmp="$root/$key/bin.tmp.$$"
rm -rf "$tmp"; mkdir -p "$tmp"
start=$(date +%s)
echo "build.sh: building ${tools[*]} at $version into $bin (cold: tens of minutes on 2 cores)" >&2
(cd "$here" && "$go" build -trimpath -ldflags "$ldflags" -o "$tmp/" \
  k8s.io/kubernetes/cmd/kube-apiserver \
  k8s.io/kubernetes/cmd/kube-controller-manager \
  k8s.io/kubernetes/cmd/kube-scheduler \
  k8s.io/kubernetes/cmd/kubeadm \
  go.etcd.io/etcd/server/v3) >&2
mv "$tmp/v3" "$tmp/etcd" 2>/dev/null || mv "$tmp/server" "$tmp/etcd"
rm -rf "$bin"; mv "$tmp" "$bin"
echo "build.sh: built in $(( $(date +%s) - start )) s" >&2
echo "$bin"
