#!/bin/bash
# The command's front door: dispatch, help on every command, exit codes.
. "$(dirname "$0")/lib.sh"

check "top-level --help" "$SIGNET" --help
grep -q "Commands:" "$T/.out" && ok || ko "--help lists the commands"
check "--version" "$SIGNET" --version
grep -q "^signet [0-9]" "$T/.out" && ok || ko "--version prints the version"
"$SIGNET" version --no-such-option >"$T/.out" 2>"$T/.err"
[ $? -eq 2 ] && [ ! -s "$T/.out" ] && ok || ko "version refuses an unknown option with exit 2"
"$SIGNET" version extra >/dev/null 2>&1
[ $? -eq 2 ] && ok || ko "version refuses an operand with exit 2"

"$SIGNET" no-such-command >/dev/null 2>&1
[ $? -eq 2 ] && ok || ko "unknown command exits 2"
"$SIGNET" >/dev/null 2>&1
[ $? -eq 2 ] && ok || ko "no command exits 2"

# Every command in the table answers --help with exit 0 and a usage line.
for cmd in $("$SIGNET" --help | awk '/^Commands:/ {on=1; next} on && /^  [a-z]/ {print $1}'); do
	check "$cmd --help" "$SIGNET" "$cmd" --help
	grep -qi "usage" "$T/.out" && ok || ko "$cmd --help shows usage"
	check "help $cmd" "$SIGNET" help "$cmd"
done
# Every leaf command (one whose --help lists no commands of its own), found
# by walking the dispatch tables' help: -h is --help, and an unknown option
# exits 2 with one message naming the command plus the pointer to --help.
leaves() {
	local sub
	if "$SIGNET" "$@" --help | grep -q '^Commands:'; then
		for sub in $("$SIGNET" "$@" --help | awk '/^Commands:/ {on=1; next} on && /^  [a-z]/ {print $1}'); do
			leaves "$@" "$sub"
		done
	else
		echo "$*"
	fi
}
nleaves=0
for leaf in $(leaves | tr ' ' '+'); do
	read -ra cmd <<<"${leaf//+/ }"
	nleaves=$((nleaves + 1))
	"$SIGNET" "${cmd[@]}" -h >"$T/.h" 2>&1 && "$SIGNET" "${cmd[@]}" --help | cmp -s - "$T/.h" && ok ||
		ko "signet ${cmd[*]} -h is not --help"
	"$SIGNET" "${cmd[@]}" --no-such-option >"$T/.out" 2>"$T/.err" </dev/null
	rc=$?
	want="signet ${cmd[*]}: unknown option '--no-such-option'
Run 'signet ${cmd[*]} --help' for usage."
	[ $rc -eq 2 ] && [ ! -s "$T/.out" ] && [ "$(cat "$T/.err")" = "$want" ] && ok ||
		ko "signet ${cmd[*]} --no-such-option: exit $rc, said: $(head -c 300 "$T/.err")"
done
echo "cli: $nleaves leaf commands"
[ "$nleaves" -ge 59 ] && ok || ko "only $nleaves leaf commands found"
finish
