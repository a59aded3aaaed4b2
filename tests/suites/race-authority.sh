#!/bin/bash
# race-authority.sh - commands started together on one authority home.
# Each writer locks the home for its whole transaction (txn.h), so two
# appends to the audit log run one after the other: the second chains to
# the first's record, takes the next DAM number, sees a domain already
# rotated or made. Each round starts two commands in the background and
# waits for both; the counts after a fixed number of rounds are exact,
# whatever the order the two ran in.
. "$(dirname "$0")/lib.sh"

ROUNDS=20
"$SIGNET" age-keygen -o "$T/id" 2>/dev/null
R=$("$SIGNET" age-keygen -y "$T/id")
H="$T/home"
check "domain init" "$SIGNET" domain init --home "$H" -r "$R" --name race
ID=$(cat "$T/.out")

# both NAME CMD...: runs CMD twice at once; both must succeed. Their
# outputs go to $T/NAME.1 and $T/NAME.2.
both() {
	local name=$1 a b; shift
	"$@" >"$T/$name.1" 2>"$T/$name.1.err" & a=$!
	"$@" >"$T/$name.2" 2>"$T/$name.2.err" & b=$!
	if wait "$a" && wait "$b"; then ok; else
		wait "$b"
		ko "$name: $(cat "$T/$name.1.err" "$T/$name.2.err" | head -c 300)"
	fi
}

# log_intact RECORDS WHAT [OUTSIDE]: the log verifies, holds RECORDS
# records, and the home's files (and the bundles in OUTSIDE) match it
# both ways.
log_intact() {
	local got
	if "$SIGNET" log verify --home "$H" >"$T/.lv" 2>&1 &&
		got=$(sed -n 's/.*: \([0-9]*\) records verified.*/\1/p' "$T/.lv") && [ "$got" = "$1" ]; then
		ok
	else
		ko "$2: log: $(head -c 300 "$T/.lv"), expected $1 records"
		return 1
	fi
	if python3 "$SRCDIR/tests/suites/authority_home.py" "$H" "${3:-}" >"$T/.home" 2>&1; then ok; else
		ko "$2: home: $(head -c 300 "$T/.home")"
		return 1
	fi
}

# --- two DAM issues at once: two numbers, two records ---------------------------
: >"$T/dams"
for ((i = 0; i < ROUNDS; i++)); do
	both dam "$SIGNET" dam issue --home "$H" -i "$T/id"
	cat "$T/dam.1" "$T/dam.2" >>"$T/dams"
done
records=$((1 + 2 * ROUNDS))
log_intact "$records" "dam issue" &&
	echo "race: dam issue: $ROUNDS rounds, $((2 * ROUNDS)) appends, log intact"
# every command printed its own DAM: 0002 up to 0041, none twice
if [ "$(sort -u "$T/dams" | wc -l)" = $((2 * ROUNDS)) ] &&
	[ "$(find "$H/domains/$ID/dam" -name '*.dam.json' | wc -l)" = $((1 + 2 * ROUNDS)) ] &&
	[ -e "$H/domains/$ID/dam/$(printf '%04d' $((1 + 2 * ROUNDS))).dam.json" ]; then ok
else ko "dam issue: DAM files $(sort "$T/dams" | uniq -d | head -3)"; fi

# --- two environment claims at once ---------------------------------------------
# (the same environment in the same second is one claim file, recorded twice)
for ((i = 0; i < ROUNDS; i++)); do
	both claim "$SIGNET" env claim --home "$H" -i "$T/id"
done
records=$((records + 2 * ROUNDS))
log_intact "$records" "env claim" &&
	echo "race: env claim: $ROUNDS rounds, $((2 * ROUNDS)) appends, log intact"

# --- a DAM issue and a seal at once: two commands, one log ------------------------
printf 'requested_capabilities: [store_blocks]\n' >"$T/policy.yaml"
mkdir "$T/out"
for ((i = 0; i < ROUNDS; i++)); do
	"$SIGNET" dam issue --home "$H" -i "$T/id" >/dev/null 2>"$T/mix.1.err" & a=$!
	"$SIGNET" bundle seal --home "$H" -i "$T/id" --purpose admission --policy "$T/policy.yaml" \
		-r "$R" -o "$T/out/b$i.sops.yaml" >/dev/null 2>"$T/mix.2.err" & b=$!
	if wait "$a" && wait "$b"; then ok; else
		wait "$b"
		ko "dam issue and seal: $(cat "$T/mix.1.err" "$T/mix.2.err" | head -c 300)"
	fi
done
records=$((records + 2 * ROUNDS))
log_intact "$records" "dam issue and seal" "$T/out" &&
	echo "race: dam issue and bundle seal: $ROUNDS rounds, $((2 * ROUNDS)) appends, log intact"
# every bundle has its record
if python3 "$SRCDIR/tests/suites/authority_home.py" "$H" "$T/out" | grep -q ' orphans=0 .* seal=20$'; then ok
else ko "seal: $(python3 "$SRCDIR/tests/suites/authority_home.py" "$H" "$T/out" 2>&1)"; fi
[ "$FAILED" -eq 0 ] && echo "race: $((3 * ROUNDS)) rounds, $((6 * ROUNDS)) appends, log intact"

# --- two rotations of one domain at once: one rotates, the other sees it ----------
# --- two inits of one home at once: one domain --------------------------------------
OUTCOMES=5
for ((i = 0; i < OUTCOMES; i++)); do
	HR="$T/rot$i"
	"$SIGNET" domain init --home "$HR" -r "$R" >"$T/rot.id" 2>/dev/null
	OLD=$(cat "$T/rot.id")
	"$SIGNET" domain rotate --home "$HR" --domain "$OLD" -i "$T/id" -r "$R" >"$T/r.1" 2>"$T/r.1.err" & a=$!
	"$SIGNET" domain rotate --home "$HR" --domain "$OLD" -i "$T/id" -r "$R" >"$T/r.2" 2>"$T/r.2.err" & b=$!
	wait "$a"; ra=$?
	wait "$b"; rb=$?
	if [ $((ra == 0)) -ne $((rb == 0)) ] && [ "$(cat "$T/r.1.err" "$T/r.2.err" | wc -l)" = 1 ] &&
		grep -q "rotated already" "$T/r.1.err" "$T/r.2.err" &&
		[ "$(find "$HR/domains" -mindepth 1 -maxdepth 1 | wc -l)" = 2 ] &&
		"$SIGNET" log verify --home "$HR" >/dev/null 2>&1 &&
		"$SIGNET" log verify --home "$HR" --domain "$OLD" >/dev/null 2>&1; then ok
	else ko "two rotations: exits $ra $rb: $(cat "$T/r.1.err" "$T/r.2.err" | head -c 300)"; fi

	HI="$T/init$i"
	"$SIGNET" domain init --home "$HI" -r "$R" >/dev/null 2>"$T/i.1.err" & a=$!
	"$SIGNET" domain init --home "$HI" -r "$R" >/dev/null 2>"$T/i.2.err" & b=$!
	wait "$a"; ra=$?
	wait "$b"; rb=$?
	if [ $((ra == 0)) -ne $((rb == 0)) ] && grep -q "current domain already" "$T/i.1.err" "$T/i.2.err" &&
		[ "$(find "$HI/domains" -mindepth 1 -maxdepth 1 | wc -l)" = 1 ] &&
		"$SIGNET" log verify --home "$HI" >/dev/null 2>&1; then ok
	else ko "two inits: exits $ra $rb: $(cat "$T/i.1.err" "$T/i.2.err" | head -c 300)"; fi
done
[ "$FAILED" -eq 0 ] &&
	echo "race: $OUTCOMES rounds of two rotations and of two inits at once, one of each done"

finish
