#!/bin/sh
# bench/run.sh SIGNET - every benchmark, each beside its peer tool.
set -eu
here=$(dirname "$0")
for b in "$here"/*.sh; do
	[ "$(basename "$b")" = run.sh ] && continue
	bash "$b" "$1"
done
