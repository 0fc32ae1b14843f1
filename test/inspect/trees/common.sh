# Shared by the tree scripts: the seeds' openssl commands as small functions. Sourced, not run.
# Every function runs in the current directory (the tree being made).

KEY_BITS=${KEY_BITS:-2048}
WORK=$(mktemp -d)   # openssl ca's database lives outside the tree: it is not part of a learner's folder
trap 'rm -rf "$WORK"' EXIT

has() { case " $MISTAKES " in *" $1 "*) return 0;; *) return 1;; esac; }

# key FILE [BITS] [FORMAT]: openssl genrsa, as the seeds write it (PKCS#8 in OpenSSL 3; -traditional gives cfssl's PKCS#1)
key() { openssl genrsa ${3:-} -out "$1" "${2:-$KEY_BITS}" 2>/dev/null; }

# ca NAME SUBJECT: a self-signed CA, made the careful way (openssl req -x509 with CA:TRUE)
ca() {
  key "$1.key"
  openssl req -x509 -new -key "$1.key" -sha256 -days 3650 -subj "$2" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign" -out "$1.crt"
}

# ext FILE EKU SANS [CA]: the extfile a learner passes to openssl x509 -req -extfile
ext() {
  {
    echo "basicConstraints=critical,CA:${4:-FALSE}"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    [ -z "$2" ] || echo "extendedKeyUsage=$2"
    [ -z "$3" ] || echo "subjectAltName=$3"
  } > "$1"
}

# leaf CERT KEY CSR CA_CRT CA_KEY SUBJECT EKU SANS [CA:TRUE?]: key (unless it exists), CSR, then signed
leaf() {
  local crt=$1 k=$2 csr=$3 cacrt=$4 cakey=$5 subj=$6 eku=$7 sans=$8 isca=${9:-FALSE}
  [ -f "$k" ] || key "$k"
  openssl req -new -key "$k" -subj "$subj" -out "$csr"
  ext "${crt%.*}.ext" "$eku" "$sans" "$isca"
  openssl x509 -req -in "$csr" -CA "$cacrt" -CAkey "$cakey" -set_serial "0x$(openssl rand -hex 16)" \
    -days 365 -sha256 -extfile "${crt%.*}.ext" -out "$crt" 2>/dev/null
}

# expired CERT CSR CA_CRT CA_KEY EKU: signs CSR with validity in 2020 (openssl x509 cannot backdate; openssl ca can)
expired() {
  local crt=$1 csr=$2 cacrt=$3 cakey=$4 eku=$5
  mkdir -p "$WORK/ca" && : > "$WORK/ca/index.txt" && openssl rand -hex 16 > "$WORK/ca/serial"
  cat > "$WORK/ca.cnf" <<CNF
[ca]
default_ca = d
[d]
database = $WORK/ca/index.txt
new_certs_dir = $WORK/ca
serial = $WORK/ca/serial
default_md = sha256
policy = any
[any]
commonName = supplied
organizationName = optional
CNF
  ext "$WORK/expired.ext" "$eku" ""
  openssl ca -batch -config "$WORK/ca.cnf" -preserveDN -notext -startdate 20200101000000Z -enddate 20210101000000Z \
    -cert "$cacrt" -keyfile "$cakey" -extfile "$WORK/expired.ext" -in "$csr" -out "$crt" 2>/dev/null
}

# kubeconfig FILE SERVER USER CA_FILE CERT_FILE KEY_FILE: files referenced by path, as seed 002 writes it
kubeconfig() {
  cat > "$1" <<YAML
apiVersion: v1
kind: Config
clusters:
- name: kubernetes
  cluster:
    certificate-authority: $4
    server: $2
contexts:
- name: $3@kubernetes
  context: {cluster: kubernetes, user: $3}
current-context: $3@kubernetes
users:
- name: $3
  user:
    client-certificate: $5
    client-key: $6
YAML
  chmod 600 "$1"
}
