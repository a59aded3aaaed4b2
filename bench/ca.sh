#!/bin/bash
# bench/ca.sh [SIGNET] - certificates per second: Debian's minica against
# signet, N certificates each (CA_BENCH_N, default 1000).
#
#   minica            a process per certificate (RSA-2048 keys, its only kind)
#   signet minica     a process per certificate, -ca-alg rsa (the same work)
#   signet issue      a process per certificate, ecdsa-p256 (signet's default)
#   signet batch      one process for all: signet ca issue --batch FILE
set -eu
SIGNET=${1:-${SIGNET:-build/signet}}
SIGNET=$(cd "$(dirname "$SIGNET")" && pwd)/$(basename "$SIGNET")
N=${CA_BENCH_N:-1000}
command -v minica >/dev/null || { echo "bench/ca.sh: minica missing (scripts/deps bench)" >&2; exit 1; }
W=$(mktemp -d "${TMPDIR:-/tmp}/signet-bench-ca.XXXXXX")
trap 'rm -rf "$W"' EXIT

now() { date +%s.%N; }
# per-certificate milliseconds from a start time
per_cert() { echo "$1 $(now) $N" | awk '{printf "%.2f", ($2 - $1) * 1000 / $3}'; }
ratio() { echo "$1 $2" | awk '{printf "%.1f", $1 / $2}'; }

mkdir -p "$W/minica" "$W/sminica"
# Roots first, outside the timing (one RSA root each).
(cd "$W/minica" && minica -ca-cert minica.pem -ca-key minica-key.pem warmup.test >/dev/null)
(cd "$W/sminica" && "$SIGNET" ca minica -ca-alg rsa -domains warmup.test >/dev/null)
"$SIGNET" ca init --dir "$W/ca" >/dev/null
"$SIGNET" ca init --dir "$W/batch" >/dev/null

t=$(now)
for i in $(seq "$N"); do
	(cd "$W/minica" && minica -ca-cert minica.pem -ca-key minica-key.pem "h$i.example.com" >/dev/null)
done
minica_ms=$(per_cert "$t")

t=$(now)
for i in $(seq "$N"); do
	(cd "$W/sminica" && "$SIGNET" ca minica -ca-alg rsa -domains "h$i.example.com" >/dev/null)
done
sminica_ms=$(per_cert "$t")

t=$(now)
for i in $(seq "$N"); do
	"$SIGNET" ca issue --dir "$W/ca" --domains "h$i.example.com" >/dev/null
done
issue_ms=$(per_cert "$t")

seq "$N" | sed 's/.*/h&.example.com/' >"$W/names.txt"
t=$(now)
"$SIGNET" ca issue --dir "$W/batch" --batch "$W/names.txt" >/dev/null
batch_ms=$(per_cert "$t")

# The work was real: spot-check a certificate of each.
openssl verify -CAfile "$W/minica/minica.pem" "$W/minica/h$N.example.com.crt" >/dev/null
openssl verify -CAfile "$W/sminica/minica.pem" "$W/sminica/h$N.example.com/cert.pem" >/dev/null
openssl verify -CAfile "$W/ca/ca.pem" "$W/ca/h$N.example.com/cert.pem" >/dev/null
openssl verify -CAfile "$W/batch/ca.pem" "$W/batch/h$N.example.com/cert.pem" >/dev/null
[ "$(wc -l <"$W/batch/index.txt")" -eq "$N" ]

echo "ca: $N certificates, ms per certificate (lower is better)"
printf '  %-42s %8s ms\n' "minica (Debian, process per cert, RSA-2048)" "$minica_ms"
printf '  %-42s %8s ms  (minica/signet %sx)\n' "signet ca minica -ca-alg rsa (process/cert)" "$sminica_ms" "$(ratio "$minica_ms" "$sminica_ms")"
printf '  %-42s %8s ms  (minica/signet %sx)\n' "signet ca issue, ecdsa-p256 (process/cert)" "$issue_ms" "$(ratio "$minica_ms" "$issue_ms")"
printf '  %-42s %8s ms  (minica/signet %sx)\n' "signet ca issue --batch, ecdsa-p256" "$batch_ms" "$(ratio "$minica_ms" "$batch_ms")"
