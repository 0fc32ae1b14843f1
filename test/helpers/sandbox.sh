#!/bin/sh
# Runs a command as if on a node that received its kubepki bundle: inside the node's network
# namespace (ip netns exec, done by the caller) and a private mount namespace in which /etc and
# /var/lib are copy-on-write overlays of the host's, with the bundle copied in at its absolute
# paths and /etc/hosts naming the lab's hosts. Nothing on the host changes: every write lands in
# WORK, which the test removes.
# The host name is the node's own (a UTS namespace), as leader-election identities show it.
# KUBEPKI_SHARE="PATH ...": those paths are not copies but BUNDLE's own directories, bound in place
# (a node's disk: what one process writes there, the node's other processes see, as on a machine).
#   sandbox.sh NODE BUNDLE WORK HOSTS COMMAND [ARG...]
set -eu
node=$1 bundle=$2 work=$3 hosts=$4
shift 4
if [ "${KUBEPKI_SANDBOXED:-}" != "$work" ]; then
  export KUBEPKI_SANDBOXED="$work"
  exec unshare --mount --uts --propagation private "$0" "$node" "$bundle" "$work" "$hosts" "$@"
fi
hostname "$node"
for d in etc var/lib; do
  mkdir -p "$work/$d/upper" "$work/$d/work"
  mount -t overlay overlay -o "lowerdir=/$d,upperdir=$work/$d/upper,workdir=$work/$d/work" "/$d"
done
cp "$hosts" /etc/hosts
[ -d "$bundle" ] && cp -a "$bundle/." /
for path in ${KUBEPKI_SHARE:-}; do
  mkdir -p "$bundle$path" "$path"
  mount --bind "$bundle$path" "$path"
done
exec "$@"
