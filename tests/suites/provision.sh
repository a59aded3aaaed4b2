#!/bin/bash
# signet host provision without booting (init-disk boots what it makes):
# the initrd holds what signet-init needs and nothing else, the host
# document as canonical JSON, reproducibly; the UKI is signed (sbverify);
# every bad input is refused with one line and nothing written.
. "$(dirname "$0")/lib.sh"

: "${SIGNET_INIT:=$BUILDDIR/src/init/signet-init}"
for tool in sbverify cpio ssh-keygen openssl python3 unshare; do
	command -v "$tool" >/dev/null || { echo "missing tool $tool" >&2; exit 1; }
done

"$SIGNET" sb keygen --dir "$T/sb" --cn "provision test" >/dev/null || ko "sb keygen"
"$SIGNET" sb keygen --dir "$T/other" --cn "someone else" >/dev/null || ko "sb keygen"
ssh-keygen -q -t ed25519 -N '' -C op -f "$T/op"
ssh-keygen -q -t ed25519 -N '' -C host -f "$T/hk"
head -c 4096 /dev/urandom >"$T/vmlinuz"   # the UKI only carries it
printf 'not really a module\n' >"$T/dm_crypt.ko"
printf 'nor this\n' >"$T/ext4.ko"
ROOT=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
cat >"$T/host.yaml" <<'EOF'
version: "0.1"
host: web1
disk:
  device: /dev/vdb
  fs: ext4
  tpm:
    handle: "0x81000010"
    pcrs: [7]
rootfs: debian
console:
  prompt_seconds: 2
recovery:
  interface: eth0
  address: 10.0.2.15/24
  gateway: 10.0.2.2
EOF
ARGS=(--config "$T/host.yaml" --kernel "$T/vmlinuz" --init "$SIGNET_INIT"
	--module "$T/dm_crypt.ko" --module "$T/ext4.ko" --root-hash "$ROOT"
	--authorized-keys "$T/op.pub" --ssh-host-key "$T/hk" --key "$T/sb/db.key" --cert "$T/sb/db.crt")

check "provision" "$SIGNET" host provision "${ARGS[@]}" --initrd-out "$T/initrd" -o "$T/uki.efi"
check "sbverify accepts the UKI with the db certificate" sbverify --cert "$T/sb/db.crt" "$T/uki.efi"
if sbverify --cert "$T/other/db.crt" "$T/uki.efi" >/dev/null 2>&1; then ko "another db verifies"; else ok; fi
[ "$(stat -c %a "$T/uki.efi")" = 600 ] && ok || ko "UKI with the SSH host key is not 0600"
check "uki inspect" "$SIGNET" uki inspect "$T/uki.efi"
grep -q '\.initrd' "$T/.out" && grep -q '\.cmdline' "$T/.out" && ok || ko "UKI sections: $(cat "$T/.out")"

# Two archives, as the kernel reads them: the system's, then the host's.
mkdir "$T/x" && [ "$(python3 "$SRCDIR/tests/suites/initrd_unpack.py" "$T/initrd" "$T/x")" = 2 ] && ok ||
	ko "unpack the initrd's two archives"
for f in init etc/signet/host.json etc/signet/sidecar.roothash etc/signet/modules \
	etc/signet/authorized_keys etc/signet/ssh_host_ed25519_key lib/modules/dm_crypt.ko \
	lib/modules/ext4.ko lib64/ld-linux-x86-64.so.2 lib/x86_64-linux-gnu/libcryptsetup.so.12 \
	usr/lib/x86_64-linux-gnu/libtss2-tcti-device.so.0 lib/x86_64-linux-gnu/libgcc_s.so.1; do
	[ -f "$T/x/$f" ] && ok || ko "initrd lacks $f"
done
[ -c "$T/x/dev/console" ] && ok || ko "initrd lacks dev/console"
same "signet-init is /init" "$SIGNET_INIT" "$T/x/init"
same "the host key" "$T/hk" "$T/x/etc/signet/ssh_host_ed25519_key"
[ "$(stat -c %a "$T/x/etc/signet/ssh_host_ed25519_key")" = 600 ] && ok || ko "host key mode in the initrd"
printf '/lib/modules/dm_crypt.ko\n/lib/modules/ext4.ko\n' >"$T/modules.want"
same "modules in the order given" "$T/modules.want" "$T/x/etc/signet/modules"
echo "$ROOT" >"$T/root.want"
same "trusted root hash" "$T/root.want" "$T/x/etc/signet/sidecar.roothash"
# host.json is the YAML document as RFC 8785 JSON, checked independently.
python3 - "$T/host.yaml" "$T/x/etc/signet/host.json" <<'EOF' && ok || ko "host.json is not the canonical form of host.yaml"
import json, sys, yaml
want = json.dumps(yaml.safe_load(open(sys.argv[1])), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
sys.exit(0 if open(sys.argv[2]).read() == want else 1)
EOF
# The initrd's libraries are enough: signet-init runs in it (and, not
# being PID 1, prints its usage and exits 2).
unshare -m sh -c "mount -t proc proc '$T/x/proc' 2>/dev/null || { mkdir -p '$T/x/proc' && mount -t proc proc '$T/x/proc'; }; chroot '$T/x' /init" >/dev/null 2>"$T/chroot.err"
[ $? -eq 2 ] && grep -q '^Usage: signet-init' "$T/chroot.err" && ok || ko "signet-init does not run in its initrd: $(cat "$T/chroot.err")"

check "provision again" "$SIGNET" host provision "${ARGS[@]}" --initrd-out "$T/initrd2" -o "$T/uki2.efi"
same "the initrd is reproducible" "$T/initrd" "$T/initrd2"
check "provision deterministic" "$SIGNET" host provision "${ARGS[@]}" --deterministic -o "$T/d1.efi"
check "provision deterministic again" "$SIGNET" host provision "${ARGS[@]}" --deterministic -o "$T/d2.efi"
same "with --deterministic the UKI is reproducible" "$T/d1.efi" "$T/d2.efi"

# Bad input: one line, nothing written.
bad() {
	local what=$1; shift
	rm -f "$T/bad.efi"
	refuse "$what" "$SIGNET" host provision "$@" -o "$T/bad.efi"
	absent "$what: no output" "$T/bad.efi"
}
sed 's/^rootfs: debian/rootf: debian/' "$T/host.yaml" >"$T/typo.yaml"
bad "a typo in the host document" "${ARGS[@]}" --config "$T/typo.yaml"
grep -q 'typo.yaml: \$.rootf: unknown member' "$T/.err" && ok || ko "typo message: $(cat "$T/.err")"
sed 's/0x81000010/0x80000010/' "$T/host.yaml" >"$T/handle.yaml"
bad "a non-persistent TPM handle" "${ARGS[@]}" --config "$T/handle.yaml"
bad "no trust for the sidecar" --config "$T/host.yaml" --kernel "$T/vmlinuz" --init "$SIGNET_INIT" \
	--authorized-keys "$T/op.pub" --ssh-host-key "$T/hk" --key "$T/sb/db.key" --cert "$T/sb/db.crt"
bad "a disk but no recovery keys" --config "$T/host.yaml" --kernel "$T/vmlinuz" --init "$SIGNET_INIT" \
	--root-hash "$ROOT" --key "$T/sb/db.key" --cert "$T/sb/db.crt"
bad "a malformed root hash" "${ARGS[@]}" --root-hash 0123xyz
bad "a public key as host key" "${ARGS[@]}" --ssh-host-key "$T/hk.pub"
printf 'hello world\n' >"$T/notkeys"
bad "authorized_keys without keys" "${ARGS[@]}" --authorized-keys "$T/notkeys"
bad "a module that is not .ko" "${ARGS[@]}" --module "$T/notkeys"
bad "a module twice" "${ARGS[@]}" --module "$T/ext4.ko"
bad "a missing kernel" "${ARGS[@]}" --kernel "$T/nope"
bad "an init that is not ELF" "${ARGS[@]}" --init "$T/host.yaml"
bad "a certificate as signing key" "${ARGS[@]}" --key "$T/sb/db.crt"
"$SIGNET" host provision --config "$T/host.yaml" --kernel "$T/vmlinuz" --init "$SIGNET_INIT" \
	--root-hash "$ROOT" -o "$T/bad.efi" 2>"$T/usage.err"
[ $? -eq 2 ] && grep -q 'key and --cert are required' "$T/usage.err" && ok || ko "no key: usage error, exit 2"
absent "no key: no output" "$T/bad.efi"
check "help" "$SIGNET" host provision --help
grep -q '^Usage: signet host provision' "$T/.out" && ok || ko "help text"
finish
