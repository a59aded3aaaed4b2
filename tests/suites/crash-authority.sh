#!/bin/bash
# crash-authority.sh - every command that writes to an authority home and
# its audit log, killed at each of its writes, fsyncs, renames, unlinks
# and mkdirs (crashlib.sh): what it leaves must be the old state or the
# new one, never a mix, and a retry must complete it exactly once.
#
# The state checks: a reader (signet domain id) first, which finishes an
# interrupted commit as every reader does; `signet log verify` on every
# domain; then authority_home.py, which checks the home's files against
# the logs both ways (every file a record names is there with its hash,
# every file there is named by a record, whole layouts, no .txn/ or temp
# file left) and counts the records, which give the 0/1/2 answer.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/crashlib.sh"

# One checker process answers every state check (fds 7 and 8, which the
# subshells the checks run in inherit).
coproc CHECKER { exec python3 -u "$SRCDIR/tests/suites/authority_home.py" --serve; }
exec 7>&"${CHECKER[1]}" 8<&"${CHECKER[0]}"
"$SIGNET" age-keygen -o "$T/id" 2>/dev/null
R=$("$SIGNET" age-keygen -y "$T/id")
printf 'requested_capabilities: [store_blocks]\n' >"$T/policy.yaml"

# The home most commands start from: one domain, its genesis record.
"$SIGNET" domain init --home "$T/base" -r "$R" --name crash >"$T/base.id" ||
	{ ko "domain init of the base home"; finish; exit; }
ID=$(cat "$T/base.id")

# home_counts DIR [OUTSIDE]: the words authority_home.py gives for
# DIR/home, after a reader settled it and every domain's log verified.
home_counts() {
	local dom reply
	"$SIGNET" domain id --home "$1/home" >/dev/null 2>&1
	for dom in "$1"/home/domains/*; do
		[ -d "$dom" ] || continue
		"$SIGNET" log verify --home "$1/home" --domain "${dom##*/}" >/dev/null 2>"$T/.lv" ||
			{ echo "log verify: $(cat "$T/.lv")" >&2; return 1; }
	done
	printf '%s\t%s\n' "$1/home" "${2:-}" >&7
	read -r reply <&8 || { echo "the home checker stopped" >&2; return 1; }
	case $reply in
	"ok "*) echo "${reply#ok }" ;;
	*) echo "${reply#bad }" >&2; return 1 ;;
	esac
}

# count NAME WORDS...: NAME's number among the words.
count() {
	local name=$1 w; shift
	for w in "$@"; do [ "${w%%=*}" = "$name" ] && { echo "${w#*=}"; return; }; done
	echo "?"
}

# expect WHAT WORDS... -- NAME=N...: each NAME has count N, else fail.
expect_counts() {
	local what=$1 words=() want; shift
	while [ "$1" != -- ]; do words+=("$1"); shift; done; shift
	for want in "$@"; do
		if [ "$(count "${want%%=*}" "${words[@]}")" != "${want#*=}" ]; then
			echo "$what: ${want%%=*} is $(count "${want%%=*}" "${words[@]}"), not ${want#*=} (${words[*]})" >&2
			return 1
		fi
	done
}

base_setup() { cp -a "$T/base" "$1/home"; mkdir "$1/out"; }

# --- domain init: nothing, or one whole domain ------------------------------
domain_init_setup() { :; }
domain_init_cmd() { CMD=("$SIGNET" domain init --home "$1/home" -r "$R" --name crash); }
domain_init_state() {
	local w
	w=$(home_counts "$1") || return 1
	read -ra w <<<"$w"
	if [ "$(count domains "${w[@]}")" = 0 ]; then
		expect_counts "no domain" "${w[@]}" -- records=0 && echo 0
	else
		expect_counts "one domain" "${w[@]}" -- domains=1 current=1 records=1 genesis=1 && echo 1
	fi
}
crash_command domain_init

# --- domain rotate: the old key current, or the new one, the logs saying which
domain_rotate_setup() { base_setup "$1"; }
# --domain names the old domain: the retry of a completed rotation is refused
domain_rotate_cmd() { CMD=("$SIGNET" domain rotate --home "$1/home" --domain "$ID" -i "$T/id" -r "$R"); }
domain_rotate_state() {
	local w cur
	w=$(home_counts "$1") || return 1
	read -ra w <<<"$w"
	cur=$("$SIGNET" domain id --home "$1/home") || { echo "no current domain" >&2; return 1; }
	if [ "$(count superseded "${w[@]}")" = 0 ]; then
		expect_counts "not rotated" "${w[@]}" -- domains=1 records=1 || return 1
		[ "$cur" = "$ID" ] || { echo "current domain $cur, not $ID" >&2; return 1; }
		echo 0
	else
		expect_counts "rotated" "${w[@]}" -- domains=2 superseded=1 current=1 records=3 \
			genesis=1 rotate-out=1 rotate-in=1 || return 1
		[ "$cur" != "$ID" ] || { echo "rotated but the old domain is current" >&2; return 1; }
		cmp -s "$1/home/domains/$ID/superseded.json" "$1/home/domains/$cur/dam/rotation.json" ||
			{ echo "the two rotation statements differ" >&2; return 1; }
		echo 1
	fi
}
crash_command domain_rotate

# --- dam issue: the next DAM and its record, or neither -------------------------
dam_issue_setup() { base_setup "$1"; }
dam_issue_cmd() { CMD=("$SIGNET" dam issue --home "$1/home" -i "$T/id"); }
dam_issue_state() {
	local w n
	w=$(home_counts "$1") || return 1
	read -ra w <<<"$w"
	n=$(count dam-issue "${w[@]}")
	# every DAM file has its record and the reverse (authority_home.py)
	[ "$(find "$1/home/domains/$ID/dam" -name '*.dam.json' | wc -l)" = $((n + 1)) ] ||
		{ echo "$n dam-issue records but other DAM files" >&2; return 1; }
	echo "$n"
}
crash_command dam_issue repeatable

# dam issue -o: the copy is written after the commit, so a copy is always
# of a recorded DAM; a kill before it leaves the DAM issued without it.
dam_copy_setup() { base_setup "$1"; }
dam_copy_cmd() { CMD=("$SIGNET" dam issue --home "$1/home" -i "$T/id" -o "$1/out/copy.json"); }
dam_copy_state() {
	local n f
	n=$(dam_issue_state "$1") || return 1
	if [ -e "$1/out/copy.json" ]; then
		for f in "$1/home/domains/$ID"/dam/*.dam.json; do
			cmp -s "$f" "$1/out/copy.json" && { echo "$n"; return; }
		done
		echo "the copy is of no recorded DAM" >&2
		return 1
	fi
	echo "$n"
}
crash_command dam_copy repeatable

# --- env claim: the claim file and the record putting it in force -------------
env_claim_setup() { base_setup "$1"; }
env_claim_cmd() { CMD=("$SIGNET" env claim --home "$1/home" -i "$T/id"); }
env_claim_state() {
	local w
	w=$(home_counts "$1") || return 1
	read -ra w <<<"$w"
	count env-claim "${w[@]}"
}
crash_command env_claim repeatable

# --- bundle seal into the home: the bundle and its record, or neither -----------
seal_args() {
	CMD=("$SIGNET" bundle seal --home "$1/home" -i "$T/id" --purpose admission
		--policy "$T/policy.yaml" -r "$R" "${@:2}")
}
bundle_seal_setup() { base_setup "$1"; }
bundle_seal_cmd() { seal_args "$1"; }
bundle_seal_state() {
	local w
	w=$(home_counts "$1") || return 1
	read -ra w <<<"$w"
	count seal "${w[@]}"
}
crash_command bundle_seal

# bundle seal -o outside the home: the bundle is written first, its record
# committed second. A bundle with no record (killed between) is the old
# state: the retry seals over it. One with a record is never replaced.
bundle_out_setup() { base_setup "$1"; }
bundle_out_cmd() { seal_args "$1" -o "$1/out/b.sops.yaml"; }
bundle_out_state() {
	local w
	w=$(home_counts "$1" "$1/out") || return 1
	read -ra w <<<"$w"
	if [ "$(count seal "${w[@]}")" = 0 ]; then
		echo 0
	else
		expect_counts "sealed" "${w[@]}" -- seal=1 orphans=0 && echo 1
	fi
}
crash_command bundle_out

crash_finish
