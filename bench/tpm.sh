#!/bin/bash
# bench/tpm.sh [SIGNET] - sealing and unsealing under a PCR 7 policy at a
# persistent handle, against swtpm: signet beside the same steps done with
# tpm2-tools, N times each (TPM_BENCH_N, default 50), milliseconds per
# operation and the ratio.
#
#   seal    signet tpm seal --force   | tpm2_createpolicy + tpm2_createprimary
#                                       + tpm2_create + tpm2_load + tpm2_evictcontrol
#   unseal  signet tpm unseal         | tpm2_unseal -p pcr:sha256:7
#
# signet also creates the storage primary on unseal (to salt the session
# that encrypts the secret); tpm2_unseal runs an unsalted session.
set -eu
SIGNET=${1:-${SIGNET:-build/signet}}
N=${TPM_BENCH_N:-50}
for tool in swtpm tpm2_unseal tpm2_flushcontext bc; do
	command -v $tool >/dev/null || { echo "bench/tpm.sh: $tool missing (scripts/deps bench)" >&2; exit 1; }
done
W=$(mktemp -d "${TMPDIR:-/tmp}/signet-bench-tpm.XXXXXX")
# swtpm on a random loopback port pair (scripts/bootkit.sh, which keeps
# its log in T).
T=$W BUILDDIR=$(dirname "$SIGNET") SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
. "$(dirname "$0")/../scripts/bootkit.sh"
trap 'swtpm_stop; rm -rf "$W"' EXIT
swtpm_host "$W/tpm" || exit 1
C=$TCTI
export TPM2TOOLS_TCTI=$C
head -c 32 /dev/urandom >"$W/secret"

now() { date +%s%N; }
# Without a resource manager tpm2-tools leave contexts loaded: flushed
# between runs, untimed.
flush() { tpm2_flushcontext -t >/dev/null 2>&1; tpm2_flushcontext -l >/dev/null 2>&1; }
# tools NAME COMMAND...: one tpm2-tools step, timed into NAME.
tools() {
	local name=$1 t0 t1
	shift
	t0=$(now)
	"$@" >/dev/null
	t1=$(now)
	total[$name]=$((total[$name] + t1 - t0))
	flush
}
declare -A total=([seal_signet]=0 [seal_tools]=0 [unseal_signet]=0 [unseal_tools]=0)
for i in $(seq "$N"); do
	t0=$(now)
	"$SIGNET" tpm seal -T "$C" --force --in "$W/secret" >/dev/null
	t1=$(now)
	total[seal_signet]=$((total[seal_signet] + t1 - t0))
	t0=$(now)
	"$SIGNET" tpm unseal -T "$C" >/dev/null
	t1=$(now)
	total[unseal_signet]=$((total[unseal_signet] + t1 - t0))

	tpm2_evictcontrol -C o -c 0x81000010 >/dev/null 2>&1; flush
	tools seal_tools tpm2_createpolicy --policy-pcr -l sha256:7 -L "$W/pol"
	tools seal_tools tpm2_createprimary -C o -g sha256 -G ecc256 -c "$W/prim.ctx"
	tools seal_tools tpm2_create -C "$W/prim.ctx" -L "$W/pol" -a 'fixedtpm|fixedparent' \
		-i "$W/secret" -u "$W/o.pub" -r "$W/o.priv"
	tools seal_tools tpm2_load -C "$W/prim.ctx" -u "$W/o.pub" -r "$W/o.priv" -c "$W/o.ctx"
	tools seal_tools tpm2_evictcontrol -C o -c "$W/o.ctx" 0x81000010
	tools unseal_tools tpm2_unseal -c 0x81000010 -p pcr:sha256:7
	tpm2_evictcontrol -C o -c 0x81000010 >/dev/null 2>&1; flush
done
ms() { echo "scale=2; ${total[$1]} / $N / 1000000" | bc -l; }
for op in seal unseal; do
	s=$(ms ${op}_signet) t=$(ms ${op}_tools)
	printf 'tpm %-6s  signet %7s ms   tpm2-tools %7s ms   ratio %sx\n' "$op" "$s" "$t" \
		"$(echo "scale=2; $t / $s" | bc -l)"
done
