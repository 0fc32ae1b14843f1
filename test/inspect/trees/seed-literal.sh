#!/usr/bin/env bash
# Seed 000's commands exactly as written: the CA made with "openssl x509 -req -signkey" (a
# version 1 certificate, no CA:TRUE), the admin signed without an extfile, and the apiserver
# certificate signed without "-extensions v3_req -extfile openssl.cnf", so its SANs never reach it.
#
#   seed-literal.sh DIR
set -euo pipefail
OUT=${1:?output dir}
mkdir -p "$OUT"; cd "$OUT"
openssl genrsa -out ca.key 2048 2>/dev/null
openssl req -new -key ca.key -subj "/CN=KUBERNETES-CA" -out ca.csr
openssl x509 -req -in ca.csr -signkey ca.key -out ca.crt 2>/dev/null
openssl genrsa -out admin.key 2048 2>/dev/null
openssl req -new -key admin.key -subj "/CN=kube-admin/O=system:masters" -out admin.csr
openssl x509 -req -in admin.csr -CA ca.crt -CAkey ca.key -out admin.crt 2>/dev/null
cat > openssl.cnf <<'CNF'
[req]
req_extensions = v3_req
distinguished_name = req_distinguished_name
[req_distinguished_name]
[v3_req]
basicConstraints = CA:FALSE
keyUsage = nonRepudiation, digitalSignature, keyEncipherment
subjectAltName = @alt_names
[alt_names]
DNS.1 = kubernetes
DNS.2 = kubernetes.default
DNS.3 = kubernetes.default.svc
DNS.4 = kubernetes.default.svc.cluster.local
IP.1 = 10.96.0.1
IP.2 = 172.17.0.87
CNF
openssl genrsa -out apiserver.key 2048 2>/dev/null
openssl req -new -key apiserver.key -subj "/CN=kube-apiserver" -out apiserver.csr -config openssl.cnf
openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -out apiserver.crt 2>/dev/null
