#!/bin/bash
# crash-release.sh - signet release create and signet update download
# killed at every write, fsync, rename, unlink and mkdir (crashlib.sh):
# the release repository is release 1 or release 2 as a TUF client reads
# it, never a mix (timestamp.json is written last), and a retry makes
# release 2; a host's download leaves every file it names whole and
# signed (each appears by a rename once checked), and a retry fetches the
# rest.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/crashlib.sh"
for t in git strace; do
	command -v $t >/dev/null || { echo "missing $t (scripts/deps check)" >&2; exit 1; }
done
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.invalid GIT_COMMITTER_NAME=t
export GIT_COMMITTER_EMAIL=t@example.invalid GIT_AUTHOR_DATE=@1796000000 GIT_COMMITTER_DATE=@1796000000
export SIGNET_NOW=2026-12-05T00:00:00Z
unset SOURCE_DATE_EPOCH
# Fewer write points than the default: each point builds no image, but
# there are many renames and fsyncs to take.
CRASH_MAX_WRITES=8
# mkdir: hundreds of calls, nearly all on directories that exist
CRASH_MAX_MKDIRS=24

# One signed fleet build with a UKI for web1, made once, copied per point.
B=$T/base
F=$B/fleet K=$B/fleet.keys S=$B/signed
signed_fleet "$B" || { ko "a signed fleet build"; finish; exit 1; }
mkdir -p "$S/hosts/web1/boot" && head -c 100000 /dev/zero | tr '\0' 'u' >"$S/hosts/web1/boot/uki.efi"
"$SIGNET" release init --keys "$K" --repo "$B/repo" >/dev/null &&
	"$SIGNET" release create -C "$F" --keys "$K" --repo "$B/repo" --from "$S" 1 >/dev/null || ko "release 1"

# The release web1 sees in DIR/repo: 1 is the old state, 2 the new.
release_seen() {
	local t out
	t=$(mktemp -d "$T/seen.XXXXXX")
	out=$("$SIGNET" update check --trusted "$t" --root "$1/repo/metadata/1.root.json" --from "$1/repo" \
		--host web1 2>&1) || { rm -rf "$t"; why "check: $out"; return 1; }
	# every file of it is there, whole
	"$SIGNET" update download --trusted "$t" --from "$1/repo" --host web1 --to "$t/got" >/dev/null 2>&1 ||
		{ rm -rf "$t"; why "download"; return 1; }
	rm -rf "$t"
	echo "$out" | awk '/^web1 release/ {print $3}' | tr -d :
}

create_setup() { cp -a "$B/." "$1/"; }
create_cmd() { CMD=("$SIGNET" release create -C "$1/fleet" --keys "$1/fleet.keys" --repo "$1/repo" --from "$1/signed" 2); }
create_state() {
	local n
	n=$(release_seen "$1") || return 1
	case $n in 1) echo 0 ;; 2) echo 1 ;; *) why "release $n" ;; esac
}
crash_command create

# The host: release 1 from a mirror, into DIR/slot.
"$SIGNET" release publish --repo "$B/repo" --to "$T/mirror" >/dev/null || ko "publish"
"$SIGNET" update check --trusted "$T/files.t" --root "$T/mirror/metadata/1.root.json" --from "$T/mirror" \
	--host web1 | awk 'NR > 1 {print $1, $3}' >"$T/files" || ko "the files"
download_setup() { cp -a "$T/mirror" "$1/mirror"; }
download_cmd() {
	CMD=("$SIGNET" update download --trusted "$1/host" --root "$1/mirror/metadata/1.root.json" \
		--from "$1/mirror" --host web1 --to "$1/slot")
}
download_state() {
	local name sum have=0 all=0
	while read -r name sum; do
		all=$((all + 1))
		[ -e "$1/slot/$name" ] || continue
		[ "$(sha256sum <"$1/slot/$name" | cut -d' ' -f1)" = "$sum" ] || { why "$name: other bytes"; return 1; }
		have=$((have + 1))
	done <"$T/files"
	# the trusted metadata reads (or is not there yet)
	if [ -e "$1/host/root.json" ]; then
		"$SIGNET" update check --trusted "$1/host" --from "$1/mirror" --host web1 >/dev/null 2>&1 ||
			{ why "the trusted metadata no longer reads"; return 1; }
	fi
	[ "$have" = "$all" ] && echo 1 || echo 0
}
crash_command download
crash_finish
