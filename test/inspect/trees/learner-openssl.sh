#!/usr/bin/env bash
# A folder made by hand with the seeds' openssl commands and file names (seeds 000, 002, 004):
# ca.crt, apiserver.crt, etcdserver.crt, etcdpeer1.crt, admin.crt, scheduler.crt,
# controller-manager.crt, kube-proxy.crt, kubet-client.crt, node01.crt, … with CSRs and extfiles
# left beside them. The cluster is the seeds': control plane "master" (172.17.0.87), worker
# node01 (172.17.0.88), service CIDR 10.96.0.0/12 (kubernetes Service 10.96.0.1).
#
#   learner-openssl.sh DIR [MISTAKE...]
#
# Without MISTAKEs the folder is right. Each MISTAKE plants one error a learner makes:
#   kubelet-caps kubelet client CN SYSTEM:NODE:NODE01, as seed 002 writes it
#   no-service-ip apiserver.crt without IP 10.96.0.1
#   admin-no-o admin.crt without O=system:masters
#   etcd-server-only etcdserver.crt with serverAuth only (no clientAuth)
#   peer-client-only etcdpeer1.crt with clientAuth only (no serverAuth)
#   key-swap scheduler.key from another pair
#   client-no-clientauth controller-manager.crt with serverAuth only
#   leaf-is-ca kube-proxy.crt with CA:TRUE
#   wrong-ca apiserver-etcd-client.crt signed by ca.crt, not etcd/ca.crt
#   expired apiserver-kubelet-client.crt valid 2020 to 2021
#   world-readable front-proxy-client.key mode 644
#   kubeconfig-wrong-ca admin.kubeconfig trusting etcd/ca.crt
#   kubeconfig-wrong-user scheduler.kubeconfig holding the controller-manager's certificate
#   weak-key node01.crt (kubelet serving) on a 1024-bit key
#   truncated ca-copy.crt, half of ca.crt pasted
set -euo pipefail
OUT=${1:?output dir}; shift
MISTAKES=" $* "
mkdir -p "$OUT/etcd"; cd "$OUT"
. "$(dirname "$0")/common.sh" 2>/dev/null || . "$OLDPWD/$(dirname "$0")/common.sh"

ca ca "/CN=KUBERNETES-CA"
ca etcd/ca "/CN=etcd-ca"
ca front-proxy-ca "/CN=front-proxy-ca"

S="DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
if has no-service-ip; then S+=",IP:172.17.0.87"; else S+=",IP:10.96.0.1,IP:172.17.0.87"; fi
leaf apiserver.crt apiserver.key apiserver.csr ca.crt ca.key "/CN=kube-apiserver" serverAuth "$S"

if has expired; then
  key apiserver-kubelet-client.key
  openssl req -new -key apiserver-kubelet-client.key -subj "/O=system:masters/CN=kube-apiserver-kubelet-client" -out apiserver-kubelet-client.csr
  expired apiserver-kubelet-client.crt apiserver-kubelet-client.csr ca.crt ca.key clientAuth
else
  leaf apiserver-kubelet-client.crt apiserver-kubelet-client.key apiserver-kubelet-client.csr ca.crt ca.key "/O=system:masters/CN=kube-apiserver-kubelet-client" clientAuth ""
fi

if has wrong-ca; then E=ca; else E=etcd/ca; fi
leaf apiserver-etcd-client.crt apiserver-etcd-client.key apiserver-etcd-client.csr "$E.crt" "$E.key" "/CN=kube-apiserver-etcd-client" clientAuth ""

ES="DNS:master,DNS:localhost,IP:172.17.0.87,IP:127.0.0.1"
if has etcd-server-only; then U=serverAuth; else U=serverAuth,clientAuth; fi
leaf etcdserver.crt etcdserver.key etcdserver.csr etcd/ca.crt etcd/ca.key "/CN=master" "$U" "$ES"
if has peer-client-only; then U=clientAuth; else U=serverAuth,clientAuth; fi
leaf etcdpeer1.crt etcdpeer1.key etcdpeer1.csr etcd/ca.crt etcd/ca.key "/CN=master" "$U" "$ES"

if has admin-no-o; then A="/CN=kube-admin"; else A="/CN=kube-admin/O=system:masters"; fi
leaf admin.crt admin.key admin.csr ca.crt ca.key "$A" clientAuth ""

leaf scheduler.crt scheduler.key scheduler.csr ca.crt ca.key "/CN=system:kube-scheduler" clientAuth ""
if has key-swap; then rm scheduler.key; key scheduler.key; fi

if has client-no-clientauth; then U=serverAuth; else U=clientAuth; fi
leaf controller-manager.crt controller-manager.key controller-manager.csr ca.crt ca.key "/CN=system:kube-controller-manager" "$U" ""

if has leaf-is-ca; then C=TRUE; else C=FALSE; fi
leaf kube-proxy.crt kube-proxy.key kube-proxy.csr ca.crt ca.key "/CN=system:kube-proxy/O=system:node-proxier" clientAuth "" "$C"

if has kubelet-caps; then N="/CN=SYSTEM:NODE:NODE01/O=system:nodes"; else N="/CN=system:node:node01/O=system:nodes"; fi
leaf kubet-client.crt kubet-client.key kubet-client.csr ca.crt ca.key "$N" clientAuth ""

if has weak-key; then key node01.key 1024; fi
leaf node01.crt node01.key node01.csr ca.crt ca.key "/CN=node01" serverAuth "DNS:node01,IP:172.17.0.88"

leaf front-proxy-client.crt front-proxy-client.key front-proxy-client.csr front-proxy-ca.crt front-proxy-ca.key "/CN=front-proxy-client" clientAuth ""
if has world-readable; then chmod 644 front-proxy-client.key; fi

key sa.key; openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null

if has kubeconfig-wrong-ca; then T=etcd/ca.crt; else T=ca.crt; fi
kubeconfig admin.kubeconfig https://172.17.0.87:6443 kube-admin "$T" admin.crt admin.key
if has kubeconfig-wrong-user; then
  kubeconfig scheduler.kubeconfig https://172.17.0.87:6443 system:kube-scheduler ca.crt controller-manager.crt controller-manager.key
else
  kubeconfig scheduler.kubeconfig https://172.17.0.87:6443 system:kube-scheduler ca.crt scheduler.crt scheduler.key
fi
kubeconfig kubelet.kubeconfig https://172.17.0.87:6443 system:node:node01 ca.crt kubet-client.crt kubet-client.key

if has truncated; then head -n 8 ca.crt > ca-copy.crt; fi
