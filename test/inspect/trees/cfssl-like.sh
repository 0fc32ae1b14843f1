#!/usr/bin/env bash
# A folder shaped like seed 003's cfssl run (Kubernetes The Hard Way, cfssl edition), made with
# openssl: ca.pem / ca-key.pem, admin.pem, worker1.pem, kubernetes.pem, etcd.pem, … PKCS#1 keys
# ("RSA PRIVATE KEY", as cfssl writes them), every leaf server+client (cfssl's "kubernetes"
# profile), subjects with C/L/O/OU/ST, and the *-csr.json, ca-config.json and .csr files beside
# them. The cluster is kubepki's example (= the seed's): lb 192.168.56.20, cp1 .21, cp2 .22,
# worker1 .23, worker2 .24, service CIDR 10.32.0.0/24.
#
#   cfssl-like.sh DIR [MISTAKE...]
#   no-service-ip kubernetes.pem without 10.32.0.1
#   key-swap worker2-key.pem from another pair
#   old-ca kube-proxy.pem signed by ca-old.pem, a CA made by an earlier attempt
set -euo pipefail
OUT=${1:?output dir}; shift
MISTAKES=" $* "
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$OUT"; cd "$OUT"
. "$HERE/common.sh"

NAMES="/C=US/ST=Oregon/L=Portland"
pem_key() { key "$1" 2048 -traditional; }
csr_json() { printf '{"CN": "%s", "key": {"algo": "rsa", "size": 2048}, "names": [{"O": "%s"}]}\n' "$2" "$3" > "$1-csr.json"; }
cat > ca-config.json <<'JSON'
{"signing": {"default": {"expiry": "8760h"}, "profiles": {"kubernetes": {"usages": ["signing", "key encipherment", "server auth", "client auth"], "expiry": "8760h"}}}}
JSON

# make_ca NAME: cfssl gencert -initca (CA:TRUE, keyCertSign + cRLSign)
make_ca() {
  pem_key "$1-key.pem"; csr_json "$1" Kubernetes Kubernetes
  openssl req -x509 -new -key "$1-key.pem" -sha256 -days 1826 -subj "$NAMES/O=Kubernetes/OU=CA/CN=Kubernetes" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out "$1.pem"
}
# gencert NAME CN O HOSTNAMES [CA]: cfssl gencert -profile=kubernetes
gencert() {
  local name=$1 cn=$2 o=$3 hosts=$4 signer=${5:-ca} sans=""
  [ -f "$name-key.pem" ] || pem_key "$name-key.pem"
  csr_json "$name" "$cn" "$o"
  openssl req -new -key "$name-key.pem" -subj "$NAMES/O=$o/OU=Kubernetes The Hard Way/CN=$cn" -out "$name.csr"
  for h in ${hosts//,/ }; do
    if [[ $h =~ ^[0-9.]+$ ]]; then sans+="${sans:+,}IP:$h"; else sans+="${sans:+,}DNS:$h"; fi
  done
  ext "$WORK/$name.ext" serverAuth,clientAuth "$sans"
  openssl x509 -req -in "$name.csr" -CA "$signer.pem" -CAkey "$signer-key.pem" -set_serial "0x$(openssl rand -hex 16)" \
    -days 365 -sha256 -extfile "$WORK/$name.ext" -out "$name.pem" 2>/dev/null
}

make_ca ca
gencert admin admin system:masters ""
gencert worker1 system:node:worker1 system:nodes worker1,192.168.56.23
if has key-swap; then pem_key worker2-key.pem.tmp; fi
gencert worker2 system:node:worker2 system:nodes worker2,192.168.56.24
if has key-swap; then mv worker2-key.pem.tmp worker2-key.pem; fi
gencert kube-controller-manager system:kube-controller-manager system:kube-controller-manager ""
if has old-ca; then make_ca ca-old; gencert kube-proxy system:kube-proxy system:node-proxier "" ca-old; else gencert kube-proxy system:kube-proxy system:node-proxier ""; fi
# The seed's scheduler O; RBAC ignores it, and the issue lists this typo as accepted.
gencert kube-scheduler system:kube-scheduler system:system:kube-scheduler ""
H=kubernetes,kubernetes.default,kubernetes.default.svc,kubernetes.default.svc.cluster,kubernetes.default.svc.cluster.local
if has no-service-ip; then IPS=192.168.56.20,192.168.56.21,192.168.56.22,127.0.0.1; else IPS=10.32.0.1,192.168.56.20,192.168.56.21,192.168.56.22,127.0.0.1; fi
gencert kubernetes kubernetes Kubernetes "$IPS,$H"
gencert etcd etcd etcd cp1,cp2,192.168.56.21,192.168.56.22,127.0.0.1
gencert service-account service-accounts Kubernetes ""
