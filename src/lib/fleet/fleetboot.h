/* fleetboot.h - the boot artifacts of a fleet build, and their signing
 * on the control plane.
 *
 * Every host that boots (every host but the offline authority, whose
 * image is another chain) boots the same sidecar and its own UKI. The
 * builders make, from the inputs pinned in fleet.lock (scripts/
 * fleet-inputs fills such a directory for the example fleet):
 *
 *   shared/sidecar/sidecar.sqfs      "sidecar-image": the pinned
 *                                    sidecar.sqfs, as it is
 *   shared/sidecar/sidecar.verity    "sidecar-verity": its dm-verity
 *                                    tree (superblock, sha256, 4096-byte
 *                                    blocks, the salt and UUID signet
 *                                    image build derives from the
 *                                    image's SHA-256: image.h)
 *   shared/sidecar/sidecar.roothash  "sidecar-roothash": its root hash,
 *                                    hex without newline
 *   hosts/<h>/boot/uki.unsigned.efi  "uki-unsigned": the host's UKI as
 *                                    signet host provision makes it
 *                                    (provision.h) from the pinned
 *                                    kernel, stub, signet-init,
 *                                    modules (modules/NAME.ko in the
 *                                    order of modules.order), the
 *                                    libraries under sysroot/ (the ELF
 *                                    closure is resolved there, never
 *                                    on the build machine's /lib),
 *                                    the host's boot document as JCS,
 *                                    the sidecar's root hash,
 *                                    state/authorized_keys and
 *                                    state/verity/signer.pem, with the
 *                                    command line the host's
 *                                    cmdline names, or fleet.yaml's
 *                                    boot.cmdline (fleetdoc.h);
 *                                    not signed, and without the SSH
 *                                    host key.
 *
 * The root hash is an input too (sidecar.roothash, pinned beside the
 * image), not computed from the image when the jobs are listed: listing
 * jobs (fleet plan, the build's digests) then reads fleet.lock only, as
 * for every other job, and never a 100 MiB image; the sidecar-verity
 * and sidecar-roothash jobs recompute the tree from the image and fail
 * the build when the pinned root hash is not the image's, so a UKI
 * never trusts a root hash the shared image does not have.
 *
 * Why the builders never see the host key: builders are machines that
 * read a public repository and outside inputs and must agree byte for
 * byte; what they make is compared, attested and published, and a
 * builder may be compromised without the fleet being so, because the
 * control plane signs only what two builders agree on. A host's SSH
 * host private key in a builder's output would be a secret on every
 * builder, in every build directory and cache, in every attestation's
 * scope; and it cannot be in the repository (which holds public parts
 * only). So the unsigned UKI carries everything but the key, and
 * sg_fleet_boot_sign, on the control plane that holds the keys, adds
 * it as a cpio archive of its own appended to the .initrd section and
 * signs: the builders' output stays public and identical, and only the
 * signed UKI (0600) is secret.
 */
#ifndef SIGNET_FLEETBOOT_H
#define SIGNET_FLEETBOOT_H

#include "age.h"
#include "buf.h"
#include "fleetdoc.h"
#include "fleetjob.h"

/* 1 when host h boots a UKI and the sidecar (every role but authority). */
int sg_fleet_boot_host(const struct sg_fleet_host *h);

/* The producer: for a host that boots, the three shared sidecar jobs
 * and its uki-unsigned job (none for the authority, and none at all
 * while fleet.lock pins no "signet-init": a fleet without boot inputs builds
 * its hosts' configuration only). Fails when an
 * input is not pinned (kernel, stub, signet-init, modules.order,
 * sidecar.sqfs, sidecar.roothash) or state/ cannot be read; the make
 * functions fail on anything signet-init would refuse. */
int sg_fleet_boot_jobs(const struct sg_fleet_ctx *c, const struct sg_fleet_host *h,
		       struct sg_fleet_jobs *jobs);

/* The control plane's step before a build (signet fleet issue): makes
 * the sidecar signer when KEYS has none, an RSA 3072 key sealed to rs
 * (the operator: KEYS/verity/signer.key.age) and its self-signed
 * certificate (KEYS/verity/signer.pem, "<organisation> sidecar
 * signer", valid 20 years from now), and writes the certificate into
 * REPO/state/verity/signer.pem when it is not there: every UKI trusts a
 * sidecar whose root hash it signed, as well as the one root hash baked
 * in, so a sidecar can be replaced without a new UKI. One line per
 * thing made in report; nothing when all is there. */
int sg_fleet_boot_issue(const struct sg_fleet *f, const char *repo, const char *keys,
			const struct sg_age_recipients *rs, int64_t now, struct sg_buf *report);

/* The control plane's step: for each uki-unsigned artifact of the build
 * in BUILD (its manifest.json), checks the file's SHA-256 against the
 * manifest, reads the host's SSH host key KEYS/hosts/<h>/
 * ssh_host_ed25519_key (an OpenSSH ed25519 private key whose public key
 * must be the host document's ssh_host_key), adds it to the initrd and
 * signs with KEYS/sb/db.key and db.crt (signet sb keygen --dir KEYS/sb;
 * deterministic Authenticode, no signingTime). First the sidecar's root
 * hash, OUT/shared/sidecar/sidecar.roothash (which must be there:
 * sg_fleet_sign copies the build first), is signed with the sidecar
 * signer's key (KEYS/verity, decrypted with ids) into
 * sidecar.roothash.p7s beside it (signet verity sign's form). Then into
 * OUT/hosts/<h>/boot/:
 *
 *   uki.efi   the signed UKI, 0600 (it holds the host key)
 *   pcrs      "7:HEX\n11:HEX\n", the PCRs the host will measure booting
 *             it, in signet tpm seal's --pcr-value spelling: PCR 7 from
 *             KEYS/sb's PK, KEK and db (pcr7.h: firmware holding exactly
 *             those keys), PCR 11 from the UKI's sections (uki.h)
 *   esp.img   the host's A/B ESP (esp.h): the UKI as EFI/BOOT/BOOTX64.EFI,
 *             OUT/shared/sidecar (with the signature) in slots A and B;
 *             0600
 *   disk.img  for a host with a rootfs image and a disk, its first-install
 *             LUKS2 disk holding the image (sg_fleet_rootfs_disk,
 *             fleetrootfs.h); not deterministic (a random volume key)
 *
 * each atomically; the key and every copy of the signed image are wiped
 * from memory. Deterministic: the same keys and build give the same
 * bytes; a uki.efi or pcrs already there with them is left as it is,
 * esp.img is made again (the same bytes). report
 * gets a line per file, "signed|predicted|made PATH SHA256" or
 * "unchanged PATH SHA256". On failure -1 naming the file and rule; the
 * hosts done before it stay done (each file is whole: old or new). */
int sg_fleet_boot_sign(const struct sg_fleet *f, const char *build, const char *keys,
		       const struct sg_age_identities *ids, const char *out, struct sg_buf *report);

#endif
