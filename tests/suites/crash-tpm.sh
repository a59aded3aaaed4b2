#!/bin/bash
# crash-tpm.sh - signet tpm seal (a first seal, and a --force replacement
# of a sealed secret) and tpm unseal -o, killed at each of their writes,
# fsyncs, renames, unlinks and mkdirs (crashlib.sh), against swtpm on the
# host as tpm.sh runs it. signet talks to swtpm over a socket with one
# write(2) per TPM command, so a kill at write #N stops the seal just
# before its Nth command reaches the TPM: every EvictControl (the twin's
# persist, the old object's eviction, the new one's persist, the twin's
# eviction) is a kill point; all writes are taken, none sampled.
#
# The TPM's state belongs to the state directory: each run gets its own
# swtpm over a copy of DIR/tpm, started afresh (a TPM reset, as the reboot
# after a crash; it also drops the transient objects and sessions a
# killed client left, which /dev/tpmrm0 would flush on close). The state
# check is what a reader sees: signet tpm unseal at the handle (the
# initrd's unseal is the same library call) and the persistent handles
# tpm2_getcap lists.
#
# Not covered: a power loss inside the TPM's own NV write (swtpm writes
# its state file itself; the TPM's atomicity of one command is assumed),
# and a real TPM's resource manager (swtpm is driven directly).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/crashlib.sh"

for tool in strace swtpm tpm2_getcap tpm2_flushcontext tpm2_createpolicy tpm2_createprimary \
	tpm2_create tpm2_load tpm2_evictcontrol; do
	command -v "$tool" >/dev/null || { echo "missing peer tool $tool" >&2; exit 1; }
done
. "$SRCDIR/scripts/bootkit.sh"
trap 'swtpm_stop; rm -rf "$T"' EXIT
START=$SECONDS
# Every TPM command is a kill point.
CRASH_MAX_WRITES=1000
H=0x81000010
TWIN=0x81400010
head -c 32 /dev/zero | tr '\0' o >"$T/old"
head -c 32 /dev/zero | tr '\0' n >"$T/new"

# why TEXT: the reason a state is inconsistent, on stderr, and failure.
# on DIR: swtpm (re)started on DIR/tpm; sets TCTI.
on() { swtpm_stop; swtpm_host "$1/tpm" >/dev/null || exit 1; }
# handles: the persistent handles the TPM lists, space separated.
handles() { TPM2TOOLS_TCTI=$TCTI tpm2_getcap handles-persistent | sed 's/^- //' | tr '\n' ' '; }
# secret_state DIR OLD: 0 when the handle unseals to OLD (or nothing is
# sealed and OLD is empty), 1 when it unseals to the new secret. Only the
# handle and its twin may be taken; after the retry (the second run), the
# twin must be empty again.
secret_state() {
	local d=$1 old=$2 got hs
	# what a killed client left loaded, as a resource manager would flush
	TPM2TOOLS_TCTI=$TCTI tpm2_flushcontext -t >/dev/null 2>&1
	TPM2TOOLS_TCTI=$TCTI tpm2_flushcontext -l >/dev/null 2>&1
	TPM2TOOLS_TCTI=$TCTI tpm2_flushcontext -s >/dev/null 2>&1
	hs=$(handles)
	case "$hs" in
	"" | "$H " | "$TWIN " | "$H $TWIN ") ;;
	*) why "persistent handles: $hs"; return ;;
	esac
	if [ "$(wc -l <"$d/runs")" -gt 1 ] && [ "${hs#*$TWIN}" != "$hs" ]; then
		why "after the retry, the twin $TWIN still holds an object"; return
	fi
	if [ -z "$hs" ]; then
		[ -z "$old" ] || why "no object left: the old secret is lost" || return
		echo 0; return
	fi
	"$SIGNET" tpm unseal -T "$TCTI" -H "$H" -o "$d/got" 2>"$d/unseal.err" ||
		why "unseal: $(cat "$d/unseal.err")" || return
	if [ -n "$old" ] && cmp -s "$d/got" "$old"; then echo 0
	elif cmp -s "$d/got" "$T/new"; then echo 1
	else why "unsealed neither secret"; fi
}

# --- a first seal ------------------------------------------------------------
seal_setup() { on "$1" && swtpm_stop; }
seal_cmd() {
	echo run >>"$1/runs"
	on "$1"
	CMD=("$SIGNET" tpm seal -T "$TCTI" -H "$H" --in "$T/new")
}
seal_state() { secret_state "$1" ""; }
crash_command seal

# --- a replacement -------------------------------------------------------------
replace_setup() {
	on "$1" && "$SIGNET" tpm seal -T "$TCTI" -H "$H" --in "$T/old" >/dev/null && swtpm_stop
}
replace_cmd() {
	echo run >>"$1/runs"
	on "$1"
	CMD=("$SIGNET" tpm seal -T "$TCTI" -H "$H" --force --in "$T/new")
}
replace_state() { secret_state "$1" "$T/old"; }
crash_command replace

# --- the secret unsealed to a file --------------------------------------------
# An earlier file at OUT is replaced whole. A kill between the temporary
# file's creation and its rename leaves it, holding the secret once
# written: it must be 0600 like OUT, and the retry's atomic write into
# the directory removes it (fileio.c: a temporary whose lock is free
# belongs to a dead process). A retry writes the same secret again
# (state 1 stays 1). unseal_cmd counts its runs in $1/runs: the second
# is the retry.
unseal_setup() {
	on "$1" && "$SIGNET" tpm seal -T "$TCTI" -H "$H" --in "$T/new" >/dev/null && swtpm_stop &&
		mkdir "$1/out" && cp "$T/old" "$1/out/key"
}
unseal_cmd() {
	on "$1"
	echo x >>"$1/runs"
	CMD=("$SIGNET" tpm unseal -T "$TCTI" -H "$H" -o "$1/out/key")
}
unseal_state() {
	local f
	for f in "$1"/out/.signet-tmp-*; do
		[ -e "$f" ] || continue
		[ "$(wc -l <"$1/runs")" -lt 2 ] || why "the retry left $f" || return
		[ "$(stat -c %a "$f")" = 600 ] || why "$f has mode $(stat -c %a "$f")" || return
	done
	[ "$(ls -A "$1/out" | grep -v '^\.signet-tmp-')" = key ] || why "the output directory holds $(ls -A "$1/out")" || return
	if cmp -s "$1/out/key" "$T/old"; then echo 0
	elif cmp -s "$1/out/key" "$T/new"; then
		[ "$(stat -c %a "$1/out/key")" = 600 ] || why "the secret has mode $(stat -c %a "$1/out/key")" || return
		echo 1
	else why "key is neither the old file nor the secret"; fi
}
crash_command unseal

# --- the twin ------------------------------------------------------------------
mkdir -p "$T/twin"
on "$T/twin"
# tpm2-tools with what they leave loaded flushed (swtpm has no resource
# manager), as tpm.sh does.
tools() {
	local r=0
	TPM2TOOLS_TCTI=$TCTI "$@" >/dev/null || r=$?
	TPM2TOOLS_TCTI=$TCTI tpm2_flushcontext -t >/dev/null 2>&1
	TPM2TOOLS_TCTI=$TCTI tpm2_flushcontext -l >/dev/null 2>&1
	return $r
}
refuse "seal at a handle of the twins' half" "$SIGNET" tpm seal -T "$TCTI" -H "$TWIN" --in "$T/new"
grep -q "hold the twins of seal's replacements" "$T/.err" && ok || ko "the twins' half: $(cat "$T/.err")"
# The new object at the twin only, as a replacement killed after the old
# object's eviction leaves it (made here by tpm2-tools): unseal reads the
# twin; a seal without --force names the twin; with --force it clears it.
tools tpm2_createpolicy --policy-pcr -l sha256:7 -L "$T/twin/pol.bin" &&
	tools tpm2_createprimary -C o -g sha256 -G ecc256 -c "$T/twin/prim.ctx" &&
	tools tpm2_create -C "$T/twin/prim.ctx" -L "$T/twin/pol.bin" -a 'fixedtpm|fixedparent' -i "$T/new" \
		-u "$T/twin/o.pub" -r "$T/twin/o.priv" &&
	tools tpm2_load -C "$T/twin/prim.ctx" -u "$T/twin/o.pub" -r "$T/twin/o.priv" -c "$T/twin/o.ctx" &&
	tools tpm2_evictcontrol -C o -c "$T/twin/o.ctx" "$TWIN" && ok || ko "tpm2-tools: a sealed object at the twin"
check "unseal reads the twin when the handle is empty" "$SIGNET" tpm unseal -T "$TCTI" -H "$H" -o "$T/twin/got"
same "the twin's secret" "$T/new" "$T/twin/got"
refuse "seal without --force beside a sealed twin" "$SIGNET" tpm seal -T "$TCTI" -H "$H" --in "$T/old"
grep -q "an interrupted seal left the object at its twin $TWIN" "$T/.err" && ok || ko "the twin named: $(cat "$T/.err")"
check "seal --force beside a sealed twin" "$SIGNET" tpm seal -T "$TCTI" -H "$H" --force --in "$T/old"
[ "$(handles)" = "$H " ] && ok || ko "the twin cleared: $(handles)"
"$SIGNET" tpm unseal -T "$TCTI" -H "$H" -o "$T/twin/got" && same "the secret sealed beside the twin" "$T/old" "$T/twin/got" ||
	ko "unseal after the twin was cleared"
# A twin holding something else (a key): refused, with --force too, and kept.
tools tpm2_createprimary -C o -G ecc256 -c "$T/twin/k.ctx" &&
	tools tpm2_evictcontrol -C o -c "$T/twin/k.ctx" "$TWIN" && ok || ko "tpm2-tools: a key at the twin"
refuse "seal --force beside a twin holding a key" "$SIGNET" tpm seal -T "$TCTI" -H "$H" --force --in "$T/new"
grep -q "its twin $TWIN, where a seal keeps the new object while it replaces the old, holds an object that is not sealed data" "$T/.err" &&
	ok || ko "the key at the twin: $(cat "$T/.err")"
[ "$(handles)" = "$H $TWIN " ] && ok || ko "both kept: $(handles)"
swtpm_stop

echo "crash-tpm: $((SECONDS - START)) s"
crash_finish
