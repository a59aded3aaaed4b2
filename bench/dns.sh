#!/bin/sh
# bench/dns.sh [SIGNET] - sign a 100,000-record zone with signet and with
# ldns-signzone (same zone, same keys, NSEC, ECDSA P-256) in one run;
# prints both times and the ratio. RECORDS and RUNS (best of) override.
set -eu
SIGNET=${1:-${SIGNET:-build/signet}}
RECORDS=${RECORDS:-100000}
RUNS=${RUNS:-2}
command -v ldns-signzone >/dev/null || { echo "bench/dns: ldns-signzone missing (ldnsutils)" >&2; exit 1; }
command -v ldns-verify-zone >/dev/null || { echo "bench/dns: ldns-verify-zone missing (ldnsutils)" >&2; exit 1; }

T=$(mktemp -d "${TMPDIR:-/tmp}/signet-bench-dns.XXXXXX")
trap 'rm -rf "$T"' EXIT
D=$T/d
"$SIGNET" dns init --dir "$D" >/dev/null
"$SIGNET" dns add-zone --dir "$D" --zone bench.example --ns ns1.bench.example=192.0.2.1 >/dev/null
Z=$D/zones/bench.example.zone
awk -v n="$RECORDS" 'BEGIN { for (i = 0; i < n; i++)
	printf "h%06d.bench.example.\t3600\tIN\tA\t10.%d.%d.%d\n", i, int(i / 65536) % 256, int(i / 256) % 256, i % 256 }' >>"$Z"

now() { date +%s.%N; }
best() { # best TIME...: the smallest
	printf '%s\n' "$@" | sort -g | head -1
}

ksk=$(awk '$1 == "key" && $2 == "bench.example." && $4 == 257 { printf "%05d", $5 }' "$D/dns.conf")
zsk=$(awk '$1 == "key" && $2 == "bench.example." && $4 == 256 { printf "%05d", $5 }' "$D/dns.conf")
exp=$(date -u -d '+30 days' +%Y%m%d%H%M%S)

s_times=""
l_times=""
i=0
while [ "$i" -lt "$RUNS" ]; do
	t0=$(now)
	"$SIGNET" dns sign --dir "$D" --force >/dev/null
	t1=$(now)
	(cd "$D/keys" && ldns-signzone -e "$exp" -f "$T/ldns.signed" "$Z" \
		"Kbench.example.+013+$ksk" "Kbench.example.+013+$zsk")
	t2=$(now)
	s_times="$s_times $(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')"
	l_times="$l_times $(awk -v a="$t1" -v b="$t2" 'BEGIN { print b - a }')"
	i=$((i + 1))
done
# shellcheck disable=SC2086
s=$(best $s_times)
# shellcheck disable=SC2086
l=$(best $l_times)

ldns-verify-zone "$D/signed/bench.example.signed" >/dev/null
sigs=$(grep -c 'IN	RRSIG' "$D/signed/bench.example.signed")
lsigs=$(grep -c 'IN	RRSIG' "$T/ldns.signed")
echo "dns sign: $RECORDS records, $sigs signatures (ldns-signzone: $lsigs), $(nproc) CPUs, best of $RUNS"
awk -v s="$s" -v l="$l" 'BEGIN { printf "dns sign: signet %.2fs, ldns-signzone %.2fs, speedup x%.2f\n", s, l, l / s }'
# The machine may be shared: show how much CPU each got (signet should
# use about twice its wall time on two free cores).
if [ -x /usr/bin/time ]; then
	/usr/bin/time -f 'dns sign: signet       wall %es, cpu %Us user + %Ss sys' \
		"$SIGNET" dns sign --dir "$D" --force >/dev/null
	(cd "$D/keys" && /usr/bin/time -f 'dns sign: ldns-signzone wall %es, cpu %Us user + %Ss sys' \
		ldns-signzone -e "$exp" -f "$T/ldns.signed" "$Z" \
		"Kbench.example.+013+$ksk" "Kbench.example.+013+$zsk")
	echo "dns sign: load average $(cut -d' ' -f1-3 /proc/loadavg)"
fi
