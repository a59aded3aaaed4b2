#!/bin/bash
# crash-host.sh - commands killed at each of their writes, fsyncs,
# renames, unlinks and mkdirs (crashlib.sh): host admit (a new domain, and
# a rotation that supersedes the old lease), host init, sops -e -i, sops
# updatekeys, sops rotate, sops edit, disk build, esp build, image build.
# Each leaves the old state or the new one, as the real readers see it:
# host status and host leases against the ledger and the records; sops -d;
# cryptsetup luksDump and open --test-passphrase, e2fsck of the decrypted
# data segment; fsck.fat and mcopy; unsquashfs and veritysetup verify. A
# retry then completes the command once, or refuses it with one line.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/crashlib.sh"

for tool in strace cryptsetup e2fsck fsck.fat mcopy mksquashfs unsquashfs veritysetup python3; do
	command -v "$tool" >/dev/null || { echo "missing peer tool $tool" >&2; exit 1; }
done
: "${TXN_SETTLE:=$BUILDDIR/tests/txn_settle}"
OPEN="$SRCDIR/tests/suites/luks_open.py"
export SIGNET_HOME="$T/home"
START=$SECONDS

"$SIGNET" age-keygen -o "$T/id" 2>/dev/null
R=$("$SIGNET" age-keygen -y "$T/id")
"$SIGNET" age-keygen -o "$T/id2" 2>/dev/null
R2=$("$SIGNET" age-keygen -y "$T/id2")
export SOPS_AGE_KEY_FILE="$T/id"
# timed NAME: crash_command NAME, and how long it took.
timed() { local t0=$SECONDS; crash_command "$@"; echo "crash: $1: $((SECONDS - t0)) s"; }
# why TEXT: the reason a state is inconsistent, on stderr, and failure.

# --- host admit -----------------------------------------------------------
ID=$("$SIGNET" domain init -r "$R" --name alpha) || exit 1
CID=$("$SIGNET" domain init --home "$T/common-home" -r "$R" --name common) || exit 1
printf 'requested_capabilities: [store_blocks]\n' >"$T/policy.yaml"
cat >"$T/admission.yaml" <<EOF
target_domain: $CID
mode: courtesy
intent: crash test
courtesy_lease:
  requested:
    duration_days: 30
    encrypted_only: true
EOF
B=$("$SIGNET" bundle seal -i "$T/id" --purpose admission --policy "$T/policy.yaml" \
	--admission "$T/admission.yaml" -r "$R" -o "$T/alpha.sops.yaml" 2>/dev/null) || exit 1
BID=$(python3 -c 'import sys,yaml; print(yaml.safe_load(open(sys.argv[1]))["asl_sops_bundle"]["bundle_id"])' "$B")
PH=$("$SIGNET" policy hash "$T/policy.yaml")

# host_check HR: host status (which settles what a crash left) and host
# leases agree with the ledger, the records and the leases on disk;
# prints the number of admissions. Nothing is left that is not the host
# root's own (no staging, no temporary file).
member() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p"; } # the string member $1 of JCS lines
host_check() {
	local hr=$1 a=$1/admission n=0 line did bid ph
	"$SIGNET" host status --host-root "$hr" >"$hr.status" 2>&1 || why "host status: $(head -c 200 "$hr.status")" || return
	[ -z "$(find "$hr" -name '.*')" ] || why "left behind: $(find "$hr" -name '.*' | head -3)" || return
	[ -f "$a/ledger" ] && n=$(wc -l <"$a/ledger")
	[ "$(ls "$a/records" 2>/dev/null)" = "$( [ "$n" = 0 ] || member bundle_id <"$a/ledger" | sed 's/$/.json/' | sort)" ] ||
		why "records $(ls "$a/records" 2>/dev/null) do not match the ledger" || return
	[ "$(ls "$a/leases" 2>/dev/null)" = "$( [ "$n" = 0 ] || member domain_id <"$a/ledger" | sed 's/$/.json/' | sort)" ] ||
		why "leases $(ls "$a/leases" 2>/dev/null) do not match the ledger" || return
	[ "$(ls "$hr/domains" 2>/dev/null)" = "$(ls "$a/leases" 2>/dev/null | sed 's/\.json$//')" ] ||
		why "domains $(ls "$hr/domains" 2>/dev/null) do not match the leases" || return
	[ "$n" = 0 ] || while read -r line; do
		did=$(member domain_id <<<"$line") bid=$(member bundle_id <<<"$line") ph=$(member policy_hash <<<"$line")
		[ -f "$hr/domains/$did/dam/dam.json" ] && [ -f "$hr/domains/$did/policies/$ph.json" ] ||
			why "domain $did is missing its DAM or policy" || return
		[ "$(member bundle_id <"$a/leases/$did.json")" = "$bid" ] || why "the lease of $did is not bundle $bid's" || return
		[ "$(grep -cx "$did" "$hr.status")" = 1 ] || why "host status does not list $did once" || return
	done <"$a/ledger"
	if [ "$n" = 0 ]; then
		grep -q "no domain admitted" "$hr.status" || why "host status lists domains the ledger does not have" || return
	else
		"$SIGNET" host leases --host-root "$hr" >"$hr.leases" 2>&1 || why "host leases failed" || return
		[ "$(wc -l <"$hr.leases")" = "$n" ] || why "host leases: $(cat "$hr.leases")" || return
	fi
	echo "$n"
}

admit_setup() { "$SIGNET" host init --host-root "$1/hr" --common "$CID" >/dev/null; }
admit_cmd() { CMD=("$SIGNET" host admit --host-root "$1/hr" --yes "$B"); }
admit_state() {
	local n
	n=$(host_check "$1/hr") || return 1
	[ "$n" -eq 0 ] || grep -q "\"bundle_id\":\"$BID\"" "$1/hr/admission/ledger" || why "another bundle in the ledger" || return
	echo "$n"
}
timed admit

# The retry of an admission that completed: refused as a replay, one line.
admit_setup "$T/again" && admit_cmd "$T/again" && "${CMD[@]}" >/dev/null 2>&1
"${CMD[@]}" >/dev/null 2>"$T/again.err"
rc=$?
if [ "$rc" -eq 18 ] && [ "$(wc -l <"$T/again.err")" -eq 1 ] && grep -q "replay: bundle $BID" "$T/again.err"
then ok; else ko "the retry of a completed admission: exit $rc, $(cat "$T/again.err")"; fi

# A rotation: the new domain, its record and lease, and the old lease
# marked superseded, all in the one commit.
"$SIGNET" domain rotate -i "$T/id" -r "$R" >"$T/new.id" 2>/dev/null || exit 1
NEW=$(cat "$T/new.id")
BR=$("$SIGNET" bundle seal -i "$T/id" --purpose admission --policy "$T/policy.yaml" \
	--admission "$T/admission.yaml" -r "$R" -o "$T/rotated.sops.yaml" 2>/dev/null) || exit 1
rotate_setup() { admit_setup "$1" && "$SIGNET" host admit --host-root "$1/hr" --yes "$B" >/dev/null; }
rotate_cmd() { CMD=("$SIGNET" host admit --host-root "$1/hr" --yes "$BR"); }
rotate_state() {
	local n sup
	n=$(host_check "$1/hr") || return 1
	sup=$(member superseded_by <"$1/hr/admission/leases/$ID.json")
	case "$n:$sup" in
	1:) echo 0 ;;
	2:"$NEW") echo 1 ;;
	*) why "$n admissions, the old lease superseded by $sup" ;;
	esac
}
timed rotate

# --- host init --------------------------------------------------------------
init_setup() { :; }
init_cmd() { CMD=("$SIGNET" host init --host-root "$1/hr" --common "$CID"); }
init_state() {
	"$SIGNET" host status --host-root "$1/hr" >"$1/status" 2>&1 || why "host status: $(cat "$1/status")" || return
	[ ! -e "$1/hr" ] || [ -z "$(find "$1/hr" -name '.*')" ] || why "left behind: $(find "$1/hr" -name '.*')" || return
	if [ -e "$1/hr/admission/common_domain" ]; then
		[ "$(cat "$1/hr/admission/common_domain")" = "$CID" ] || why "common_domain holds $(cat "$1/hr/admission/common_domain")" || return
		grep -q "Common domain $CID" "$1/status" || why "host status: $(cat "$1/status")" || return
		echo 1
	else
		grep -q "no Common domain set" "$1/status" || why "host status: $(cat "$1/status")" || return
		echo 0
	fi
}
timed init

# --- sops -------------------------------------------------------------------
# The plaintext as signet writes YAML, so that a decryption compares byte
# for byte.
printf 'a: 1\nb: two\nc:\n  - x\n  - y\n' >"$T/raw.yaml"
"$SIGNET" sops -e --age "$R" --output "$T/raw.enc.yaml" "$T/raw.yaml" &&
	"$SIGNET" sops -d --output "$T/plain.yaml" "$T/raw.enc.yaml" || exit 1
# decrypts DIR/s.yaml with IDENTITY to the plaintext
opens() { SOPS_AGE_KEY_FILE=$2 "$SIGNET" sops -d "$1/s.yaml" 2>/dev/null; }

encrypt_setup() { cp "$T/plain.yaml" "$1/s.yaml"; }
encrypt_cmd() { CMD=("$SIGNET" sops -e -i --age "$R" "$1/s.yaml"); }
encrypt_state() {
	if cmp -s "$T/plain.yaml" "$1/s.yaml"; then echo 0
	elif opens "$1" "$T/id" | cmp -s - "$T/plain.yaml"; then echo 1
	else why "s.yaml is neither the plaintext nor its encryption"; fi
}
timed encrypt

# The file encrypted to R (updatekeys, rotate) or R and R2 (after).
sealed_setup() { "$SIGNET" sops -e --age "$R" --output "$1/s.yaml" "$T/plain.yaml" && cp "$1/s.yaml" "$1/old"; }
two_keys_state() {
	opens "$1" "$T/id" | cmp -s - "$T/plain.yaml" || why "s.yaml does not decrypt with the first key" || return
	if cmp -s "$1/old" "$1/s.yaml"; then echo 0
	elif opens "$1" "$T/id2" | cmp -s - "$T/plain.yaml"; then echo 1
	else why "s.yaml changed but does not decrypt with the added key"; fi
}
updatekeys_setup() { sealed_setup "$1"; }
updatekeys_cmd() { CMD=("$SIGNET" sops updatekeys -y --age "$R,$R2" "$1/s.yaml"); }
updatekeys_state() { two_keys_state "$1"; }
timed updatekeys

rotate_sops_setup() { sealed_setup "$1"; }
rotate_sops_cmd() { CMD=("$SIGNET" sops rotate -i --add-age "$R2" "$1/s.yaml"); }
rotate_sops_state() { two_keys_state "$1"; }
timed rotate_sops

# edit: an editor that changes a: 1 to a: 2; TMPDIR in the state so the
# plaintext an interrupted edit left there is seen. The run counter tells
# the state check when the retry has run: by then no edit directory may
# be left (the retry wipes the killed edit's).
cat >"$T/editor.sh" <<'EOF'
#!/bin/sh
sed -i 's/^a: 1$/a: 2/' "$1"
EOF
chmod +x "$T/editor.sh"
sed 's/^a: 1$/a: 2/' "$T/plain.yaml" >"$T/edited.yaml"
edit_setup() { sealed_setup "$1" && mkdir "$1/tmp"; }
edit_cmd() {
	echo run >>"$1/runs"
	CMD=(env EDITOR="$T/editor.sh" TMPDIR="$1/tmp" "$SIGNET" sops edit "$1/s.yaml")
}
edit_state() {
	local got
	if [ "$(wc -l <"$1/runs")" -gt 1 ] && [ -n "$(ls -A "$1/tmp")" ]; then
		why "after the next edit, still in TMPDIR: $(ls -A "$1/tmp")"; return
	fi
	got=$(opens "$1" "$T/id") || why "s.yaml does not decrypt" || return
	if [ "$got" = "$(cat "$T/plain.yaml")" ]; then echo 0
	elif [ "$got" = "$(cat "$T/edited.yaml")" ]; then echo 1
	else why "s.yaml decrypts to neither: $got"; fi
}
timed edit

# --- disk build ---------------------------------------------------------------
printf '0123456789abcdef0123456789abcdef' >"$T/disk.key"
U=6b1b9a04-50a6-4e0b-8f51-2d5c3f5e0a11
disk_setup() { mkdir -p "$1/tree/etc" "$1/out" && echo hello >"$1/tree/etc/greeting"; }
disk_cmd() {
	echo run >>"$1/runs"
	CMD=("$SIGNET" disk build --from "$1/tree" -o "$1/out/disk.img" --size 8 --uuid "$U"
		--key-file "$T/disk.key" --new-key-file "$1/out/new.key")
}
disk_state() {
	local o=$1/out
	# as the next build in the directory finds it
	"$TXN_SETTLE" "$o" || return 1
	if [ -z "$(ls -A "$o")" ]; then echo 0; return; fi
	[ "$(ls -A "$o" | tr '\n' ' ')" = "disk.img new.key " ] || why "the output directory holds $(ls -A "$o")" || return
	cryptsetup luksDump "$o/disk.img" >/dev/null 2>&1 || why "luksDump refuses the image" || return
	cryptsetup open --test-passphrase --key-file "$o/new.key" "$o/disk.img" 2>/dev/null ||
		why "the new key does not open the image" || return
	cryptsetup open --test-passphrase --key-file "$T/disk.key" "$o/disk.img" 2>/dev/null ||
		why "the key file does not open the image" || return
	# The file system, decrypted apart, on the first look at what a kill
	# left (after the retry it is an uninterrupted build's, or what was
	# looked at already).
	if [ "$(wc -l <"$1/runs")" = 1 ]; then
		python3 "$OPEN" "$T/disk.key" "$o/disk.img" "$1/plain" >/dev/null 2>&1 || why "the data segment does not decrypt" || return
		e2fsck -fn "$1/plain" >/dev/null 2>&1 || why "e2fsck refuses the file system" || return
		rm -f "$1/plain"
	fi
	echo 1
}
timed disk

# --- esp build ----------------------------------------------------------------
esp_slot() { # DIR TEXT: a slot whose files say TEXT
	mkdir -p "$1" && for f in sidecar.sqfs sidecar.verity sidecar.roothash; do echo "$2 $f" >"$1/$f"; done
}
esp_build() { "$SIGNET" esp build -o "$1" --size 8 --slot "A:$2" >/dev/null; }
esp_slot "$T/ref/slot-old" old && esp_slot "$T/ref/slot" new
esp_build "$T/ref/old.img" "$T/ref/slot-old" && esp_build "$T/ref/new.img" "$T/ref/slot" || exit 1
esp_setup() { cp -r "$T/ref/slot" "$1/slot" && cp "$T/ref/old.img" "$1/esp.img"; }
esp_cmd() { CMD=("$SIGNET" esp build -o "$1/esp.img" --size 8 --slot "A:$1/slot"); }
esp_state() {
	fsck.fat -n "$1/esp.img" >/dev/null 2>&1 || why "fsck.fat refuses esp.img" || return
	if cmp -s "$1/esp.img" "$T/ref/old.img"; then echo 0
	elif cmp -s "$1/esp.img" "$T/ref/new.img" &&
		[ "$(mcopy -n -i "$1/esp.img" ::EFI/signet/A/sidecar.roothash - 2>/dev/null)" = "new sidecar.roothash" ]
	then echo 1
	else why "esp.img is neither the old image nor the new one"; fi
}
timed esp

# --- image build --------------------------------------------------------------
img_build() { "$SIGNET" image build --from "$1" -o "$2/s.sqfs" --verity "$2/s.verity" --root-hash-file "$2/s.roothash" >/dev/null; }
mkdir -p "$T/ref/tree-old/etc" "$T/ref/tree/etc" "$T/ref/img-old" "$T/ref/img"
echo old >"$T/ref/tree-old/etc/id" && echo new >"$T/ref/tree/etc/id"
img_build "$T/ref/tree-old" "$T/ref/img-old" && img_build "$T/ref/tree" "$T/ref/img" || exit 1
image_setup() { cp -r "$T/ref/tree" "$1/tree" && cp -r "$T/ref/img-old" "$1/out"; }
image_cmd() {
	CMD=("$SIGNET" image build --from "$1/tree" -o "$1/out/s.sqfs" --verity "$1/out/s.verity"
		--root-hash-file "$1/out/s.roothash")
}
image_state() {
	local o=$1/out f old=0 new=0
	"$TXN_SETTLE" "$o" || return 1
	[ "$(ls -A "$o" | tr '\n' ' ')" = "s.roothash s.sqfs s.verity " ] || why "the output directory holds $(ls -A "$o")" || return
	for f in s.sqfs s.verity s.roothash; do
		cmp -s "$o/$f" "$T/ref/img-old/$f" && old=$((old + 1))
		cmp -s "$o/$f" "$T/ref/img/$f" && new=$((new + 1))
	done
	unsquashfs -l "$o/s.sqfs" >/dev/null 2>&1 || why "unsquashfs refuses s.sqfs" || return
	veritysetup verify "$o/s.sqfs" "$o/s.verity" "$(cat "$o/s.roothash")" >/dev/null 2>&1 ||
		why "veritysetup verify refuses the image, tree and root hash" || return
	if [ "$old" = 3 ]; then echo 0
	elif [ "$new" = 3 ]; then echo 1
	else why "a mix: $old outputs old, $new new"; fi
}
timed image

echo "crash-host: $((SECONDS - START)) s"
crash_finish
