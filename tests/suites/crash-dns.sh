#!/bin/bash
# crash-dns.sh - signet dns killed at every write, fsync, rename, unlink
# and mkdir (crashlib.sh): init, add-zone, sign (the first signing and a
# forced re-signing) and each step of a KSK rollover leave the directory
# as it was or with the whole change (keys, dns.conf, zone files, signed
# zones and the anchor file agreeing), and a retry finishes the job once.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/crashlib.sh"

for tool in ldns-verify-zone strace; do
	command -v $tool >/dev/null || { echo "missing $tool (scripts/deps check)" >&2; exit 1; }
done


# One signing time for the whole suite: the serial a signing gives is
# then known (T0, T0 + 1, ...), and signatures are valid now for
# ldns-verify-zone.
T0=$(date +%s)
SIGN=(--threads 1 --now "$T0")

# ldns-verify-zone's verdict, kept by the file's SHA-256 (files, as the
# state checks run in subshells): most kill points leave the setup's
# signed zones as they were.
mkdir -p "$T/.cache"
zone_verifies() {
	local h
	h=$(sha256sum <"$1") && h=${h%% *}
	[ -f "$T/.cache/$h.ok" ] && return
	ldns-verify-zone "$1" >"$T/.ldns" 2>&1 || why "ldns-verify-zone ${1##*/}: $(tail -2 "$T/.ldns")" || return
	touch "$T/.cache/$h.ok"
}
stem() { if [ "$1" = . ]; then echo root; else echo "${1%.}"; fi; }

# dns_consistent D: a reader (dns check) first settles what a kill left,
# as any later command would. Then every key of dns.conf has its two
# files and keys/ holds nothing else; every zone has its master file and
# zones/ holds no other; every signed file belongs to a zone and passes
# ldns-verify-zone; anchors/root.anchor, when there, is the anchor of the
# keys in dns.conf; nothing else is in D. The check report is left in
# $T/.check for the caller.
dns_consistent() {
	local d=$1 f z priv want=() have
	"$SIGNET" dns check --dir "$d" >"$T/.check" 2>"$T/.check.err"
	[ -f "$d/dns.conf" ] || why "no dns.conf: $(cat "$T/.check.err")" || return
	"$SIGNET" dns anchor --dir "$d" --format unbound >"$T/.anchor" 2>"$T/.anchor.err" ||
		why "dns anchor: $(cat "$T/.anchor.err")" || return
	for f in "$d"/* "$d"/.[!.]*; do
		[ -e "$f" ] || continue
		case ${f##*/} in dns.conf | keys | zones | signed | anchors) ;; *) why "stray ${f##*/}" || return ;; esac
	done
	priv=private
	grep -q '^age-recipient ' "$d/dns.conf" && priv=private.age
	while read -r _ z alg flags tag _; do
		f=$(printf 'K%s+%03d+%05d' "$z" "$alg" "$tag")
		want+=("$f.key" "$f.$priv")
	done < <(grep '^key ' "$d/dns.conf")
	have=$(ls -A "$d/keys" | sort | tr '\n' ' ')
	[ "$have" = "$(printf '%s\n' "${want[@]}" | sort | tr '\n' ' ')" ] ||
		why "keys/ holds $have, dns.conf names ${want[*]}" || return
	want=()
	for z in $(awk '$1 == "zone" { print $2 }' "$d/dns.conf"); do want+=("$(stem "$z")"); done
	have=$(ls -A "$d/zones" | sort | tr '\n' ' ')
	[ "$have" = "$(printf '%s.zone\n' "${want[@]}" | sort | tr '\n' ' ')" ] ||
		why "zones/ holds $have for zones ${want[*]}" || return
	for f in "$d"/signed/* "$d"/signed/.[!.]*; do
		[ -e "$f" ] || continue
		case " ${want[*]} " in *" $(basename "$f" .signed) "*) ;; *) why "stray signed/${f##*/}" || return ;; esac
		zone_verifies "$f" || return
	done
	if [ -e "$d/anchors/root.anchor" ]; then
		cmp -s "$d/anchors/root.anchor" "$T/.anchor" || why "anchors/root.anchor is not the anchor of dns.conf's keys" || return
	fi
}

# signed_count D: 0 with no signed zone, the number of signings since T0
# when every zone is signed with the same serial and current (dns check
# says ok), anything else is inconsistent.
signed_count() {
	local d=$1 n=0 s f ser=
	for f in "$d"/signed/*.signed; do
		[ -e "$f" ] || continue
		n=$((n + 1))
		s=$(soa_serial "$f")
		[ -z "$ser" ] || [ "$s" = "$ser" ] || why "zones signed with serials $ser and $s: one signing half done" || return
		ser=$s
	done
	if [ "$n" = 0 ]; then
		echo 0
		return
	fi
	[ "$n" = "$(grep -c '^zone ' "$d/dns.conf")" ] || why "$n signed zones of $(grep -c '^zone ' "$d/dns.conf")" || return
	[ "$(grep -c ': ok$' "$T/.check")" = "$n" ] || why "signed zones not current: $(grep -v ': ok$' "$T/.check" | head -2)" || return
	echo $((ser - T0 + 1))
}

dns_setup() {
	"$SIGNET" dns init --dir "$1/d" >/dev/null &&
		"$SIGNET" dns add-zone --dir "$1/d" --zone example.org --ns ns1.example.org=192.0.2.1 >/dev/null &&
		echo 'www 3600 IN A 192.0.2.10' >>"$1/d/zones/example.org.zone"
}
# the anchor file a resolver reads, which a rollover keeps current
dns_anchor_file() { mkdir -p "$1/d/anchors" && "$SIGNET" dns anchor --dir "$1/d" -o "$1/d/anchors/root.anchor"; }
# root KSKs of dns.conf in STATE
root_ksks() { awk -v s="$2" '$1 == "key" && $2 == "." && $4 == 257 && $6 == s { n++ } END { print n + 0 }' "$1/d/dns.conf"; }

# ---- dns init ----
dns_init_setup() { :; }
dns_init_cmd() { CMD=("$SIGNET" dns init --dir "$1/d" --ns ns.root=192.0.2.53); }
dns_init_state() {
	"$SIGNET" dns check --dir "$1/d" >/dev/null 2>&1
	if [ ! -e "$1/d/dns.conf" ]; then
		[ ! -e "$1/d" ] || [ -z "$(ls -A "$1/d")" ] || why "no dns.conf, but $(ls -A "$1/d" | tr '\n' ' ')" || return
		echo 0
		return
	fi
	dns_consistent "$1/d" || return
	[ "$(grep -c '^key \. ' "$1/d/dns.conf")" = 2 ] || why "the root has not its two keys" || return
	echo 1
}
crash_command dns_init

# ---- dns add-zone ----
dns_add_zone_setup() { "$SIGNET" dns init --dir "$1/d" >/dev/null; }
dns_add_zone_cmd() { CMD=("$SIGNET" dns add-zone --dir "$1/d" --zone example.org --ns ns1.example.org=192.0.2.1); }
dns_add_zone_state() {
	dns_consistent "$1/d" || return
	awk '$1 == "zone" && $2 == "example.org." { n++ } END { print n + 0 }' "$1/d/dns.conf"
}
crash_command dns_add_zone

# ---- dns sign: the first signing (a retry finds it done) ----
dns_sign_first_setup() { dns_setup "$1"; }
dns_sign_first_cmd() { CMD=("$SIGNET" dns sign --dir "$1/d" "${SIGN[@]}"); }
dns_sign_first_state() {
	dns_consistent "$1/d" && signed_count "$1/d"
}
crash_command dns_sign_first

# ---- dns sign --force: every signing raises the serial (repeatable) ----
dns_sign_setup() { dns_setup "$1" && "$SIGNET" dns sign --dir "$1/d" "${SIGN[@]}" >/dev/null; }
dns_sign_cmd() { CMD=("$SIGNET" dns sign --dir "$1/d" --force "${SIGN[@]}"); }
dns_sign_state() {
	local n
	dns_consistent "$1/d" && n=$(signed_count "$1/d") || return
	echo $((n - 1))
}
crash_command dns_sign repeatable

# ---- dns rollover: each step, with the anchor file following ----
dns_rollover_start_setup() { dns_sign_setup "$1" && dns_anchor_file "$1"; }
dns_rollover_start_cmd() { CMD=("$SIGNET" dns rollover start --dir "$1/d"); }
dns_rollover_start_state() {
	dns_consistent "$1/d" || return
	[ "$(root_ksks "$1" active)" = 1 ] || why "the active KSK is gone" || return
	[ "$(wc -l <"$1/d/anchors/root.anchor")" = $((2 + $(root_ksks "$1" published) + 1)) ] ||
		why "the anchor file does not list every KSK" || return
	root_ksks "$1" published
}
crash_command dns_rollover_start

dns_rollover_revoke_setup() {
	dns_rollover_start_setup "$1" && "$SIGNET" dns rollover start --dir "$1/d" >/dev/null &&
		"$SIGNET" dns sign --dir "$1/d" "${SIGN[@]}" >/dev/null
}
dns_rollover_revoke_cmd() { CMD=("$SIGNET" dns rollover revoke --dir "$1/d" --force); }
dns_rollover_revoke_state() {
	local n
	dns_consistent "$1/d" || return
	n=$(root_ksks "$1" revoked)
	[ "$(root_ksks "$1" active)" = 1 ] && [ "$(root_ksks "$1" published)" = $((1 - n)) ] ||
		why "revoked $n, but $(root_ksks "$1" active) active and $(root_ksks "$1" published) published" || return
	echo "$n"
}
crash_command dns_rollover_revoke

dns_rollover_finish_setup() {
	dns_rollover_revoke_setup "$1" && "$SIGNET" dns rollover revoke --dir "$1/d" --force >/dev/null &&
		"$SIGNET" dns sign --dir "$1/d" "${SIGN[@]}" >/dev/null
}
dns_rollover_finish_cmd() { CMD=("$SIGNET" dns rollover finish --dir "$1/d" --force); }
dns_rollover_finish_state() {
	local n
	dns_consistent "$1/d" || return
	n=$(root_ksks "$1" removed)
	[ "$(root_ksks "$1" revoked)" = $((1 - n)) ] || why "removed $n, revoked $(root_ksks "$1" revoked)" || return
	echo "$n"
}
crash_command dns_rollover_finish

crash_finish
