#!/bin/bash
# Every C file of the tree follows the committed .clang-format: the files
# git tracks (every .c and .h below the source root when the tree is not a
# git checkout), each checked by clang-format --dry-run, which names the
# first line that differs.
. "$(dirname "$0")/lib.sh"

command -v clang-format >/dev/null || { echo "missing clang-format (scripts/deps installs it)" >&2; exit 1; }
cd "$SRCDIR" || exit 1
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	files=$(git ls-files '*.c' '*.h')
else
	files=$(find src tests fuzz bench -name '*.[ch]' | sort)
fi
[ -n "$files" ] && ok || ko "no C files found below $SRCDIR"
for f in $files; do
	if clang-format --style=file --dry-run --Werror "$f" 2>"$T/.err"; then ok; else ko "$f: not as .clang-format writes it: $(head -c 300 "$T/.err")"; fi
done

# The check can fail: a file written otherwise is refused.
printf 'int f(int a){return a+1;}\n' >"$T/bad.c"
cp .clang-format "$T/.clang-format"
if (cd "$T" && clang-format --style=file --dry-run --Werror bad.c) 2>/dev/null; then
	ko "clang-format accepted a file it would rewrite"
else
	ok
fi
finish
