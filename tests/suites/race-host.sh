#!/bin/bash
# race-host.sh - two admissions of the same bundle started together on a
# fresh host root, three rounds: exactly one admits (exit 0), the other
# is refused as a replay (exit 18, one line), host status lists the domain
# once, the ledger has one line, one record, and nothing is left under the
# host root that is not its own (no .txn staging, no temporary file). The two serialize on the host
# root's lock (txn.h); whichever comes second sees the first's ledger line.
. "$(dirname "$0")/lib.sh"

ROUNDS=${RACE_ROUNDS:-3}
export SIGNET_HOME="$T/home"
"$SIGNET" age-keygen -o "$T/id" 2>/dev/null
R=$("$SIGNET" age-keygen -y "$T/id")
export SOPS_AGE_KEY_FILE="$T/id"
ID=$("$SIGNET" domain init -r "$R" --name alpha) || exit 1
CID=$("$SIGNET" domain init --home "$T/common-home" -r "$R" --name common) || exit 1
printf 'requested_capabilities: [store_blocks]\n' >"$T/policy.yaml"
printf 'target_domain: %s\nmode: courtesy\nintent: race test\n' "$CID" >"$T/admission.yaml"
B=$("$SIGNET" bundle seal -i "$T/id" --purpose admission --policy "$T/policy.yaml" \
	--admission "$T/admission.yaml" -r "$R" -o "$T/b.sops.yaml" 2>/dev/null) || exit 1

admitted=0 replayed=0
for round in $(seq "$ROUNDS"); do
	hr="$T/root-$round"
	"$SIGNET" host init --host-root "$hr" --common "$CID" >/dev/null || { ko "round $round: host init"; continue; }
	# The gate: the host root's lock held here until both admissions wait
	# on it (/proc/locks lists two waiters on its inode), then released,
	# so that they start their reads and their transactions together (they
	# must not inherit the gate: the lock is its open file's).
	exec {gate}<"$hr" && flock -x "$gate" || { ko "round $round: the gate"; continue; }
	"$SIGNET" host admit --host-root "$hr" --yes "$B" >"$T/1.out" 2>"$T/1.err" {gate}<&- &
	p1=$!
	"$SIGNET" host admit --host-root "$hr" --yes "$B" >"$T/2.out" 2>"$T/2.err" {gate}<&- &
	p2=$!
	ino=$(stat -c %i "$hr") waiting=0
	for _ in $(seq 600); do
		waiting=$(grep -c -- "-> FLOCK .*:$ino " /proc/locks)
		[ "$waiting" -ge 2 ] && break
		sleep 0.05
	done
	[ "$waiting" -ge 2 ] && ok || ko "round $round: the two admissions did not both wait on the lock"
	exec {gate}<&-
	wait "$p1"; rc1=$?
	wait "$p2"; rc2=$?
	case "$rc1:$rc2" in
	0:18) won=1 lost=2 ;;
	18:0) won=2 lost=1 ;;
	*) ko "round $round: exits $rc1 and $rc2: $(cat "$T/1.err" "$T/2.err")"; continue ;;
	esac
	admitted=$((admitted + 1))
	if [ "$(wc -l <"$T/$lost.err")" -eq 1 ] && grep -q "^signet: replay: bundle .* was already admitted" "$T/$lost.err"
	then replayed=$((replayed + 1)); ok
	else ko "round $round: the refusal: $(cat "$T/$lost.err")"; fi
	grep -q "^admitted $ID\$" "$T/$won.out" && ok || ko "round $round: the admission says $(cat "$T/$won.out")"
	"$SIGNET" host status --host-root "$hr" >"$T/status" 2>&1 || ko "round $round: host status"
	[ "$(grep -c "^$ID\$" "$T/status")" -eq 1 ] && grep -q '1 domain(s) admitted' "$T/status" && ok ||
		ko "round $round: host status: $(cat "$T/status")"
	[ "$(wc -l <"$hr/admission/ledger")" -eq 1 ] && ok || ko "round $round: the ledger: $(cat "$hr/admission/ledger")"
	[ "$(ls "$hr/admission/records" | wc -l)" -eq 1 ] && ok || ko "round $round: records: $(ls "$hr/admission/records")"
	[ -z "$(find "$hr" -name '.*')" ] && ok || ko "round $round: left behind: $(find "$hr" -name '.*')"
done
echo "race: $ROUNDS rounds, $admitted admitted, $replayed refused as replay"
[ "$admitted" -eq "$ROUNDS" ] && [ "$replayed" -eq "$ROUNDS" ] && ok || ko "not every round had one admission and one replay"
finish
