#!/bin/bash
# race-ca-dns.sh - commands started together on one CA or DNS directory
# take turns on its lock and the later one acts on the earlier one's
# result: eight issues give eight certificates, all in the index with
# distinct serials; two issues of one name give one certificate and one
# refusal; two signings of one tree both succeed, and the second either
# finds the first one's zones current or signs again with the next serial.
# Only counts and files are checked, never timing.
. "$(dirname "$0")/lib.sh"

for tool in openssl ldns-verify-zone; do
	command -v $tool >/dev/null || { echo "missing $tool (scripts/deps check)" >&2; exit 1; }
done

ROUNDS=3

# ---- CA: eight issues for eight names, at once, ROUNDS times ----
Q=$T/ca
check "ca init" "$SIGNET" ca init --dir "$Q" --name "Race Root" --intermediate
for r in $(seq $ROUNDS); do
	pids=()
	for i in 1 2 3 4 5 6 7 8; do
		"$SIGNET" ca issue --dir "$Q" --domains "r$r-h$i.example.org" >"$T/issue.$r.$i" 2>&1 &
		pids+=($!)
	done
	# and two issues of one name
	for i in 1 2; do
		"$SIGNET" ca issue --dir "$Q" --domains "r$r-same.example.org" >"$T/same.$r.$i" 2>&1 &
		pids+=($!)
	done
	failed=0
	for p in "${pids[@]:0:8}"; do wait "$p" || failed=$((failed + 1)); done
	[ "$failed" = 0 ] && ok || ko "round $r: $failed of 8 issues failed: $(cat "$T"/issue.$r.* | grep -v cert.pem | head -2)"
	won=0
	for p in "${pids[@]:8:2}"; do wait "$p" && won=$((won + 1)); done
	[ "$won" = 1 ] && ok || ko "round $r: $won of two issues of one name succeeded"
	lost=$(grep -l 'already exists, not overwriting' "$T"/same.$r.* | wc -l)
	[ "$lost" = 1 ] && [ "$(cat "$T"/same.$r.* | wc -l)" = 2 ] && ok ||
		ko "round $r: the second issue of one name was not refused in one line: $(cat "$T"/same.$r.*)"
done
want=$((ROUNDS * 9))
[ "$(wc -l <"$Q/index.txt")" = "$want" ] && ok || ko "index.txt has $(wc -l <"$Q/index.txt") lines, not $want"
serials=$(cut -f4 "$Q/index.txt" | sort -u | wc -l)
[ "$serials" = "$want" ] && ok || ko "$serials distinct serials in index.txt, not $want"
cat "$Q/ca.pem" "$Q/intermediate/cert.pem" >"$T/chain.pem"
files=()
intact=1
while IFS='|' read -r serial file; do
	s=$(openssl x509 -in "$Q/$file" -noout -serial 2>/dev/null | cut -d= -f2)
	[ "$s" = "$serial" ] || { intact=0; ko "$file: serial '$s', index.txt says $serial"; }
	files+=("$Q/$file")
done < <(awk -F'\t' '{ print $4 "|" $5 }' "$Q/index.txt")
for d in "$Q"/*/; do
	d=${d%/}
	case ${d##*/} in root | intermediate) continue ;; esac
	grep -qF "$(printf '\t%s/cert.pem\t' "${d##*/}")" "$Q/index.txt" || { intact=0; ko "leaf ${d##*/}/ is not in index.txt"; }
done
if openssl verify -CAfile "$T/chain.pem" "${files[@]}" >"$T/verify" 2>&1; then ok; else
	intact=0
	ko "openssl verify: $(grep -v ': OK$' "$T/verify" | head -2)"
fi
eight=$(awk -F'\t' '$5 ~ /^r[0-9]+-h[0-9]\.example\.org\// { print $4 }' "$Q/index.txt" | sort -u | wc -l)
[ "$eight" = $((ROUNDS * 8)) ] && ok || ko "$eight distinct serials for the $((ROUNDS * 8)) names issued eight at a time"
[ "$intact" = 1 ] && [ "$serials" = "$want" ] &&
	ca_line="ca $ROUNDS rounds × 8 issues, $eight distinct serials, index intact (and $ROUNDS × 2 issues of one name: one issued, one refused)" ||
	ca_line="ca $ROUNDS rounds × 8 issues: INDEX BROKEN"

# ---- DNS: two signings of one tree at once, ROUNDS times ----
D=$T/dns
T0=$(date +%s)
SIGN=(--threads 1 --now "$T0")
check "dns init" "$SIGNET" dns init --dir "$D"
check "dns add-zone" "$SIGNET" dns add-zone --dir "$D" --zone example.org --ns ns1.example.org=192.0.2.1
check "first signing" "$SIGNET" dns sign --dir "$D" "${SIGN[@]}"
# Serials are exact: the edited zone goes up by one when one of two
# signers signs it, every zone by two after two forced signers; the root,
# whose input the edit does not touch, only then.
org=$T0
root=$T0
verified=1
for r in $(seq $ROUNDS); do
	# An edit, then two signers: one signs it, the other finds it current.
	echo "h$r 3600 IN A 192.0.2.$r" >>"$D/zones/example.org.zone"
	"$SIGNET" dns sign --dir "$D" "${SIGN[@]}" >"$T/sign.$r.1" 2>&1 &
	p1=$!
	"$SIGNET" dns sign --dir "$D" "${SIGN[@]}" >"$T/sign.$r.2" 2>&1 &
	p2=$!
	wait $p1 && wait $p2 && ok || ko "round $r: a signing failed: $(cat "$T/sign.$r.1" "$T/sign.$r.2" | head -3)"
	[ "$(cat "$T/sign.$r.1" "$T/sign.$r.2" | grep -c '^example\.org\.: signed')" = 1 ] &&
		[ "$(cat "$T/sign.$r.1" "$T/sign.$r.2" | grep -c '^example\.org\.: up to date')" = 1 ] && ok ||
		ko "round $r: not one signing and one 'up to date': $(cat "$T/sign.$r.1" "$T/sign.$r.2" | tr '\n' '|')"
	org=$((org + 1))
	# Two forced signers: both sign, one after the other, each a serial up.
	"$SIGNET" dns sign --dir "$D" --force "${SIGN[@]}" >"$T/force.$r.1" 2>&1 &
	p1=$!
	"$SIGNET" dns sign --dir "$D" --force "${SIGN[@]}" >"$T/force.$r.2" 2>&1 &
	p2=$!
	wait $p1 && wait $p2 && ok || ko "round $r: a forced signing failed: $(cat "$T/force.$r.1" "$T/force.$r.2" | head -3)"
	org=$((org + 2))
	root=$((root + 2))
	for z in root:$root example.org:$org; do
		f=$D/signed/${z%%:*}.signed
		[ "$(soa_serial "$f")" = "${z#*:}" ] && ok || ko "round $r: ${z%%:*} serial $(soa_serial "$f"), expected ${z#*:}"
		if ldns-verify-zone "$f" >"$T/v" 2>&1; then ok; else
			verified=0
			ko "round $r: ldns-verify-zone ${z%%:*}: $(tail -2 "$T/v")"
		fi
	done
done
check "dns check after the races" "$SIGNET" dns check --dir "$D"
[ "$verified" = 1 ] && dns_line="dns $ROUNDS rounds × 2 signs, zones verify" || dns_line="dns $ROUNDS rounds × 2 signs: ZONES BROKEN"
echo "race: $ca_line; $dns_line"
finish
