#!/usr/bin/env bash
# The seeds' method, scripted: the openssl CLI makes every key and certificate of a cluster with
# CONTROL_PLANES stacked control-plane nodes and WORKERS workers, three CAs (kubeadm topology).
# A copy of ../shared/bench/openssl-baseline.sh (RSA-2048, read-only) with one change: KEY picks
# the key type, so the ECDSA rows of npm run bench meet the same method with EC keys.
#
#   openssl-method.sh CONTROL_PLANES WORKERS OUT_DIR      (JOBS=N runs N openssl jobs at once)
#   KEY=rsa-2048 (default, the baseline's commands) | ecdsa-p256 | ecdsa-p384
#
# EC keys come from `openssl ecparam -genkey -noout` (SEC 1, as kubeadm writes them), certificates
# are signed with the curve's digest, and keyUsage drops keyEncipherment (an EC key cannot encipher),
# as kubepki's ECDSA certificates do.
#
# Keys: 3 CAs + 10 cluster-wide + 2 per control-plane node (etcd server, peer)
#       + 2 per node running a kubelet (client, serving) + the service-account key.
set -euo pipefail
C=${1:?control-plane count}; W=${2:?worker count}; OUT=${3:?output dir}
JOBS=${JOBS:-1}
KEY=${KEY:-rsa-2048}
case $KEY in
  rsa-2048) DIGEST=sha256; CA_USAGE=digitalSignature,keyEncipherment,keyCertSign; LEAF_USAGE=digitalSignature,keyEncipherment
    genkey() { openssl genrsa -out "$1" 2048 2>/dev/null; } ;;
  ecdsa-p256|ecdsa-p384)
    if [ "$KEY" = ecdsa-p256 ]; then CURVE=prime256v1; DIGEST=sha256; else CURVE=secp384r1; DIGEST=sha384; fi
    CA_USAGE=digitalSignature,keyCertSign; LEAF_USAGE=digitalSignature
    genkey() { openssl ecparam -name "$CURVE" -genkey -noout -out "$1"; } ;;
  *) echo "KEY must be rsa-2048, ecdsa-p256 or ecdsa-p384" >&2; exit 2 ;;
esac
mkdir -p "$OUT"; cd "$OUT"

run() { # run "$@" with at most JOBS at once
  if [ "$JOBS" -le 1 ]; then "$@"; return; fi
  while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n; done
  "$@" &
}
ip_for() { echo "$1.$(( $2 / 250 )).$(( $2 % 250 + 1 ))"; }

make_ca() { # name cn
  genkey "$1.key"
  openssl req -x509 -new -key "$1.key" -"$DIGEST" -days 3650 -subj "/CN=$2" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,$CA_USAGE" -out "$1.crt"
}
make_cert() { # name ca cn o kind sans
  local name=$1 ca=$2 cn=$3 o=$4 kind=$5 sans=$6 subj eku
  genkey "$name.key"
  subj="/CN=$cn"; [ -n "$o" ] && subj="/O=$o/CN=$cn"
  openssl req -new -key "$name.key" -subj "$subj" -out "$name.csr"
  case $kind in server) eku=serverAuth;; client) eku=clientAuth;; both) eku=serverAuth,clientAuth;; esac
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,$LEAF_USAGE"
    echo "extendedKeyUsage=$eku"
    [ -z "$sans" ] || echo "subjectAltName=$sans"
  } > "$name.ext"
  openssl x509 -req -in "$name.csr" -CA "$ca.crt" -CAkey "$ca.key" -set_serial "0x$(openssl rand -hex 16)" \
    -days 365 -"$DIGEST" -extfile "$name.ext" -out "$name.crt" 2>/dev/null
}

run make_ca ca kubernetes
run make_ca etcd-ca etcd-ca
run make_ca front-proxy-ca front-proxy-ca
wait

sans="DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
for i in $(seq 1 "$C"); do sans+=",DNS:cp-$i"; done
sans+=",IP:10.96.0.1,IP:10.0.255.10"
for i in $(seq 1 "$C"); do sans+=",IP:$(ip_for 10.0 "$i")"; done
run make_cert apiserver ca kube-apiserver "" server "$sans"
run make_cert apiserver-kubelet-client ca kube-apiserver-kubelet-client kubeadm:cluster-admins client ""
run make_cert apiserver-etcd-client etcd-ca kube-apiserver-etcd-client "" client ""
run make_cert front-proxy-client front-proxy-ca front-proxy-client "" client ""
run make_cert etcd-healthcheck-client etcd-ca kube-etcd-healthcheck-client "" client ""
run make_cert admin ca kubernetes-admin kubeadm:cluster-admins client ""
run make_cert super-admin ca kubernetes-super-admin system:masters client ""
run make_cert kube-scheduler ca system:kube-scheduler "" client ""
run make_cert kube-controller-manager ca system:kube-controller-manager "" client ""
run make_cert kube-proxy ca system:kube-proxy system:node-proxier client ""
for i in $(seq 1 "$C"); do
  h="cp-$i"; ip=$(ip_for 10.0 "$i")
  s="DNS:$h,DNS:localhost,IP:$ip,IP:127.0.0.1,IP:::1"
  run make_cert "etcd-server-$h" etcd-ca "$h" "" both "$s"
  run make_cert "etcd-peer-$h" etcd-ca "$h" "" both "$s"
  run make_cert "kubelet-client-$h" ca "system:node:$h" system:nodes client ""
  run make_cert "kubelet-server-$h" ca "$h" "" server "DNS:$h,IP:$ip"
done
for i in $(seq 1 "$W"); do
  h="worker-$i"; ip=$(ip_for 10.1 "$i")
  run make_cert "kubelet-client-$h" ca "system:node:$h" system:nodes client ""
  run make_cert "kubelet-server-$h" ca "$h" "" server "DNS:$h,IP:$ip"
done
run genkey sa.key
wait
openssl pkey -in sa.key -pubout -out sa.pub 2>/dev/null
chmod 600 ./*.key
