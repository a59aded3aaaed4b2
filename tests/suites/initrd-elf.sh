#!/bin/bash
# signet initrd build --add-elf against ldd and ld.so itself: for Debian's
# cryptsetup, veritysetup, tpm2_unseal, busybox, a dlopen()ed TPM2 TCTI
# and the signet under test, the libraries the closure picks must be the
# ones ldd resolves (same sonames), each stored as a regular file with the
# host's contents at the very path the initrd's ld.so (no ld.so.cache)
# finds it, and the programs must run under chroot in the unpacked
# archive. Programs built here check DT_RPATH (inherited) against
# DT_RUNPATH (not inherited) and $ORIGIN with another destination; a
# library that cannot be found is refused with one line and no output.
. "$(dirname "$0")/lib.sh"

for tool in cpio ldd gcc unshare chroot; do
	command -v "$tool" >/dev/null || { echo "$tool not found (see scripts/deps check)" >&2; exit 1; }
done
LDSO=/lib64/ld-linux-x86-64.so.2
IS_ROOT=0
[ "$(id -u)" -eq 0 ] && IS_ROOT=1
[ $IS_ROOT = 1 ] || echo "not root: the chroot runs are skipped" >&2

# unpack ARCHIVE DIR: a fresh directory holding the archive's tree.
unpack() {
	rm -rf "$2" && mkdir "$2" && (cd "$2" && cpio -idm --quiet <"$1")
}

# in_root DIR CMD...: CMD under chroot DIR, with /proc (the sanitized
# signet reads its options there) mounted in a private mount namespace
# that vanishes with the command.
in_root() {
	mkdir -p "$1/proc"
	unshare -m sh -c 'mount -t proc proc "$1/proc" && exec chroot "$@"' sh "$@"
}

# The sonames ldd resolves for FILE (none for a static program).
ldd_sonames() {
	ldd "$1" 2>/dev/null | awk '$2 == "=>" { print $1; next }
		$1 ~ /^\// { n = split($1, p, "/"); print p[n] }' | grep -v '^linux-vdso' | LC_ALL=C sort
}

# The files of the unpacked DIR other than DEST, as absolute paths.
closure_files() {
	(cd "$1" && find . ! -type d ! -path "./proc/*" -printf '/%P\n') | grep -vxF "$2" | LC_ALL=C sort
}

# What the chroot's own ld.so loads for DEST (no ld.so.cache in there).
chroot_ldso_paths() {
	in_root "$1" "$LDSO" --list "$2" 2>&1 | awk '$2 == "=>" { print $3; next }
		$1 ~ /^\// { print $1 }' | LC_ALL=C sort
}

# The real programs: SRC and the arguments of a run that must succeed.
progs=(/usr/sbin/cryptsetup /usr/sbin/veritysetup /usr/bin/tpm2_unseal "$SIGNET")
runs=("--version" "--version" "--version" "--version")
if [ -x /bin/busybox ]; then
	progs+=(/bin/busybox)
	runs+=("true")
fi
TCTI=/usr/lib/x86_64-linux-gnu/libtss2-tcti-device.so.0
all=()
for p in "${progs[@]}" "$TCTI"; do
	[ -e "$p" ] || { ko "$p is missing (see scripts/deps check)"; continue; }
	all+=(--add-elf "$p")
done

for i in "${!progs[@]}" tcti; do
	if [ "$i" = tcti ]; then p=$TCTI; else p=${progs[$i]}; fi
	[ -e "$p" ] || continue
	name=$(basename "$p")
	dest=$(cd "$(dirname "$p")" && pwd)/$name
	out=$T/$name.cpio
	check "$name: build" "$SIGNET" initrd build --add-elf "$p" --compress none -o "$out" || continue
	unpack "$out" "$T/r-$name" && ok || ko "$name: cpio -idm"
	closure_files "$T/r-$name" "$dest" >"$T/$name.files"
	sed 's|.*/||' "$T/$name.files" | LC_ALL=C sort >"$T/$name.ours"
	ldd_sonames "$p" >"$T/$name.ldd"
	if cmp -s "$T/$name.ours" "$T/$name.ldd"; then ok; else
		ko "$name: sonames differ from ldd's: $(diff "$T/$name.ldd" "$T/$name.ours" | grep '^[<>]' | tr '\n' ' ')"
	fi
	[ -f "$T/r-$name$dest" ] && [ ! -L "$T/r-$name$dest" ] && cmp -s "$T/r-$name$dest" "$p" && ok ||
		ko "$name: not stored at $dest with its contents"
	# Regular files with the contents of what the host path points to.
	bad=""
	while read -r f; do
		[ -f "$T/r-$name$f" ] && [ ! -L "$T/r-$name$f" ] && cmp -s "$T/r-$name$f" "$f" || bad="$bad $f"
	done <"$T/$name.files"
	[ -z "$bad" ] && ok || ko "$name: not regular copies of the host's files:$bad"
	if [ -s "$T/$name.files" ]; then
		[ -f "$T/r-$name$LDSO" ] && [ ! -L "$T/r-$name$LDSO" ] && ok ||
			ko "$name: no interpreter as a regular file at $LDSO"
	fi
	[ $IS_ROOT = 1 ] || continue
	# The paths the initrd's ld.so finds are exactly the ones stored.
	if [ -s "$T/$name.files" ]; then
		chroot_ldso_paths "$T/r-$name" "$dest" >"$T/$name.ldso"
		if cmp -s "$T/$name.ldso" "$T/$name.files"; then ok; else
			ko "$name: the chroot's ld.so loads other files: $(diff "$T/$name.files" "$T/$name.ldso" | grep '^[<>]' | tr '\n' ' ')"
		fi
	fi
	if [ "$i" != tcti ]; then
		# shellcheck disable=SC2086
		check "$name runs under chroot" in_root "$T/r-$name" "$dest" ${runs[$i]}
	fi
done

# All of them in one archive: each library once, in any order, and all
# of them run there.
check "one archive for all" "$SIGNET" initrd build "${all[@]}" --compress none -o "$T/all.cpio"
rev=()
for ((k = ${#all[@]} - 2; k >= 0; k -= 2)); do rev+=(--add-elf "${all[k + 1]}"); done
check "the same in reverse order" "$SIGNET" initrd build "${rev[@]}" --compress none -o "$T/rev.cpio"
same "the order of --add-elf does not matter" "$T/all.cpio" "$T/rev.cpio"
check "again, gzip" "$SIGNET" initrd build "${all[@]}" -o "$T/all1.gz"
check "again, gzip, twice" "$SIGNET" initrd build "${all[@]}" -o "$T/all2.gz"
same "two builds are byte-identical" "$T/all1.gz" "$T/all2.gz"
[ -z "$(cpio -it --quiet <"$T/all.cpio" 2>/dev/null | sort | uniq -d)" ] && ok || ko "a path twice in the archive"
unpack "$T/all.cpio" "$T/r-all" && ok || ko "cpio -idm of the combined archive"
cat "$T"/*.files | LC_ALL=C sort -u >"$T/union"
closure_files "$T/r-all" "" >"$T/all.files"
for p in "${progs[@]}" "$TCTI"; do echo "$(cd "$(dirname "$p")" && pwd)/$(basename "$p")"; done |
	LC_ALL=C sort -u >"$T/roots"
LC_ALL=C comm -23 "$T/all.files" "$T/roots" | LC_ALL=C comm -23 - "$T/union" >"$T/extra"
[ ! -s "$T/extra" ] && ok || ko "the combined archive holds more than the closures: $(head -c 300 "$T/extra")"
if [ $IS_ROOT = 1 ]; then
	for i in "${!progs[@]}"; do
		p=${progs[$i]}
		dest=$(cd "$(dirname "$p")" && pwd)/$(basename "$p")
		# shellcheck disable=SC2086
		check "$(basename "$p") runs in the combined archive" in_root "$T/r-all" "$dest" ${runs[$i]}
	done
fi

# Programs built here: libfoo needs libbar and has no search path of its
# own. Through the program's DT_RPATH ld.so finds libbar (DT_RPATH is
# inherited); through its DT_RUNPATH it does not (not inherited).
A=$T/app
mkdir -p "$A/bin" "$A/lib"
printf 'int bar(void) { return 42; }\n' >"$T/bar.c"
printf 'int bar(void);\nint foo(void) { return bar() + 1; }\n' >"$T/foo.c"
printf '#include <stdio.h>\nint foo(void);\nint main(void) { printf("foo=%%d\\n", foo()); return 0; }\n' >"$T/prog.c"
gcc -shared -fPIC -Wl,-soname,libbar.so.1 -o "$A/lib/libbar.so.1" "$T/bar.c" &&
	gcc -shared -fPIC -Wl,-soname,libfoo.so.1 -o "$A/lib/libfoo.so.1" "$T/foo.c" "$A/lib/libbar.so.1" &&
	gcc -o "$A/bin/prog-rpath" "$T/prog.c" "$A/lib/libfoo.so.1" -Wl,-rpath-link,"$A/lib" \
		-Wl,--disable-new-dtags,-rpath,'$ORIGIN/../lib' &&
	gcc -o "$A/bin/prog-runpath" "$T/prog.c" "$A/lib/libfoo.so.1" -Wl,-rpath-link,"$A/lib" \
		-Wl,--enable-new-dtags,-rpath,'$ORIGIN/../lib' && ok || ko "gcc: the test programs"
[ "$("$A/bin/prog-rpath")" = foo=43 ] && ok || ko "prog-rpath runs on the host"
"$A/bin/prog-runpath" >/dev/null 2>&1 && ko "prog-runpath should not find libbar on the host" || ok

check "DT_RPATH with \$ORIGIN, at another destination" "$SIGNET" initrd build --compress none \
	--add-elf "$A/bin/prog-rpath:/opt/app/bin/prog" -o "$T/app.cpio"
unpack "$T/app.cpio" "$T/r-app"
for f in opt/app/lib/libfoo.so.1 opt/app/lib/libbar.so.1; do
	cmp -s "$T/r-app/$f" "$A/lib/${f##*/}" && ok || ko "\$ORIGIN: $f not stored"
done
[ ! -e "$T/r-app$A" ] && ok || ko "\$ORIGIN: the host's directory leaked into the archive"
if [ $IS_ROOT = 1 ]; then
	[ "$(in_root "$T/r-app" /opt/app/bin/prog 2>&1)" = foo=43 ] && ok || ko "prog runs under chroot"
fi
(cd "$A" && "$SIGNET" initrd build --compress none --add-elf bin/prog-rpath -o "$T/rel.cpio") && ok ||
	ko "--add-elf of a relative SRC"
cpio -it --quiet <"$T/rel.cpio" 2>/dev/null | grep -qxF "${A#/}/bin/prog-rpath" && ok ||
	ko "a relative SRC goes at its absolute path"

# Refusals: one line, nothing written.
out=$T/never.cpio
refuse "DT_RUNPATH is not inherited" "$SIGNET" initrd build --add-elf "$A/bin/prog-runpath" -o "$out"
grep -q "prog-runpath: library libbar.so.1 needed by .*libfoo.so.1 not found" "$T/.err" && ok ||
	ko "the error names the program and the library: $(cat "$T/.err")"
mkdir -p "$T/broken/bin" "$T/broken/lib"
cp "$A/bin/prog-rpath" "$T/broken/bin/prog"
cp "$A/lib/libfoo.so.1" "$T/broken/lib/"
refuse "a missing library" "$SIGNET" initrd build --add-elf /usr/sbin/cryptsetup \
	--add-elf "$T/broken/bin/prog" -o "$out"
grep -q "broken/bin/prog: library libbar.so.1 needed by .*broken/bin/../lib/libfoo.so.1 not found" "$T/.err" &&
	ok || ko "the error names the program and the library: $(cat "$T/.err")"
refuse "a shell script" "$SIGNET" initrd build --add-elf /usr/bin/ldd -o "$out"
grep -q "not an ELF file" "$T/.err" && ok || ko "a script: $(cat "$T/.err")"
refuse "a missing program" "$SIGNET" initrd build --add-elf "$T/nope" -o "$out"
refuse "--add-elf with an empty DEST" "$SIGNET" initrd build --add-elf "$A/bin/prog-rpath:" -o "$out"
absent "nothing written" "$out"
finish
