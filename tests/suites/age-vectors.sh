#!/bin/bash
# Every non-post-quantum C2SP age vector (npm cctv-age) gives its expected
# result: success with the expected payload SHA-256, or failure with no
# output file left behind.
. "$(dirname "$0")/lib.sh"

mod=$(npm_package cctv-age@0.2.0) || { ko "install cctv-age"; finish; exit 1; }
node "$(dirname "$0")/cctv-dump.js" "$mod" "$T/v" >/dev/null || { ko "dump vectors"; finish; exit 1; }

total=0 skipped=0
declare -A outcome
for meta in "$T"/v/*.meta; do
	name=$(basename "$meta" .meta)
	# Post-quantum (ML-KEM hybrid) recipients are out of scope.
	if grep -q '^identity: AGE-SECRET-KEY-PQ-' "$meta"; then
		skipped=$((skipped + 1))
		continue
	fi
	total=$((total + 1))
	expect=$(sed -n 's/^expect: //p' "$meta")
	payload=$(sed -n 's/^payload: //p' "$meta")
	args=()
	if grep -q '^identity: ' "$meta"; then
		sed -n 's/^identity: //p' "$meta" >"$T/$name.key"
		args+=(-i "$T/$name.key")
	fi
	if grep -q '^passphrase: ' "$meta"; then
		sed -n 's/^passphrase: //p' "$meta" >"$T/$name.pass"
		args+=(--passphrase-file "$T/$name.pass")
	fi
	out="$T/$name.out"
	"$SIGNET" age -d "${args[@]}" -o "$out" "$T/v/$name.age" 2>"$T/$name.err"
	rc=$?
	if [ "$expect" = success ]; then
		if [ $rc -ne 0 ]; then
			ko "$name: expected success, got: $(cat "$T/$name.err")"
		elif [ "$(sha256sum <"$out" | cut -d' ' -f1)" != "$payload" ]; then
			ko "$name: payload SHA-256 differs"
		else
			ok
			outcome[$name]=success
		fi
	else
		if [ $rc -eq 0 ]; then
			ko "$name: expected $expect, but decryption succeeded"
		elif [ -e "$out" ]; then
			ko "$name: failed ($expect) but left an output file"
		elif [ "$(wc -l <"$T/$name.err")" -ne 1 ]; then
			ko "$name: expected one error line"
		else
			ok
			outcome[$name]=failure
		fi
	fi
done
# No temporary files may be left in the output directory either.
leftover=$(find "$T" -name '.signet-tmp-*' | wc -l)
[ "$leftover" -eq 0 ] && ok || ko "$leftover temporary files left behind"

good=0 bad=0
for k in "${!outcome[@]}"; do
	if [ "${outcome[$k]}" = success ]; then good=$((good + 1)); else bad=$((bad + 1)); fi
done
echo "age vectors: $total run ($skipped post-quantum skipped): $good decrypted to the expected payload, $bad refused as expected"
[ "$total" -eq 124 ] && ok || ko "expected 124 non-post-quantum vectors, found $total"
finish
