#!/usr/bin/env bash
# The kubelet client certificate as many tutorials' readers first make it: O=system:nodes, but the
# node's bare name as CN (worker-1, not system:node:worker-1). Beside it a CA with a long subject,
# so the table has to wrap its SUBJECT column, and the apiserver certificate it signed.
#
#   kubelet-bare-cn.sh DIR
set -euo pipefail
OUT=${1:?output dir}
mkdir -p "$OUT"; cd "$OUT"
. "$(dirname "$0")/common.sh" 2>/dev/null || . "$OLDPWD/$(dirname "$0")/common.sh"

ca ca "/C=DE/O=Example Platform Team/OU=Kubernetes Operations/CN=kubernetes"
leaf apiserver.crt apiserver.key apiserver.csr ca.crt ca.key "/CN=kube-apiserver" serverAuth \
  "DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:10.32.0.1,IP:192.168.56.21"
leaf worker-1.crt worker-1.key worker-1.csr ca.crt ca.key "/CN=worker-1/O=system:nodes" clientAuth ""
rm -f ./*.csr ./*.ext
