#!/usr/bin/env bash
# A folder that attacks the reader rather than the cluster, one of each seen in review (issue 21):
# files that never end, block, or loop, beside a real CA and a kubelet certificate that must still
# be read. Everything made here lives under DIR: removing DIR removes the FIFOs and links too.
#
#   hostile.sh DIR
#
#   ca.fifo            a FIFO (opening it for reading waits for a writer)
#   zero.kubeconfig    certificate-authority: /dev/zero (never ends)
#   fifo.kubeconfig    certificate-authority: ca.fifo
#   task -> /proc/self/task      a link to a folder that leads, through task/N/root, to /
#   pagemap.pem -> /proc/self/pagemap   a file whose size says 0 and whose content is gigabytes
#   up1 -> .., up2 -> ..          two links back up: a loop, and copies of everything
#   begins.pem         1 MB of "-----BEGIN CERTIFICATE-----" lines and no END
#   huge.crt           9 MB (sparse): over the cap
#   big-ca.crt         a valid CA after 1.1 MB of comment lines: under the cap, read
set -euo pipefail
OUT=${1:?output dir}
mkdir -p "$OUT/ca"; cd "$OUT"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca/ca.key -out ca/ca.crt -days 3650 \
  -subj /CN=kubernetes -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign 2>/dev/null
{ for _ in $(seq 1 15000); do echo "# a CA bundle's explanatory text, as openssl x509 -text writes before the PEM ....."; done; cat ca/ca.crt; } > big-ca.crt
mkfifo ca.fifo
for name in zero fifo; do
  if [ "$name" = zero ]; then ca=/dev/zero; else ca=ca.fifo; fi
  cat > "$name.kubeconfig" <<YAML
apiVersion: v1
kind: Config
clusters:
- name: kubernetes
  cluster: {certificate-authority: $ca, server: https://10.0.0.1:6443}
contexts:
- name: ctx
  context: {cluster: kubernetes, user: admin}
users:
- name: admin
  user: {}
YAML
done
ln -s /proc/self/task task
ln -s /proc/self/pagemap pagemap.pem
ln -s .. up1
ln -s .. up2
head -c 1048576 < <(yes -- '-----BEGIN CERTIFICATE-----') > begins.pem
truncate -s 9M huge.crt
