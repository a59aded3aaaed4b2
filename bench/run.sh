#!/bin/sh
# bench/run.sh SIGNET - every benchmark, each beside its peer tool.
# (init-busybox.sh is not one: it is the /init bench/init.sh boots.)
set -eu
here=$(dirname "$0")
for b in "$here"/*.sh; do
	case "$(basename "$b")" in run.sh | init-busybox.sh) continue ;; esac
	bash "$b" "$1"
done
