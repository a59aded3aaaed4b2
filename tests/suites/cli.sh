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
finish
