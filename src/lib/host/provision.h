/* provision.h - one host's signed boot image, made on the control plane:
 * the host's configuration, keys and trusted root hashes baked into an
 * initrd around signet-init, in a UKI signed with the organisation's db
 * key (signet host provision).
 *
 * The initrd holds:
 *   /init                               signet-init and the libraries it
 *                                       loads (ELF closure), plus the
 *                                       dlopen()ed ones (the TPM's TCTI,
 *                                       libgcc_s for pthread_exit)
 *   /etc/signet/host.json               the host document as canonical
 *                                       JSON, checked by hostcfg's rules
 *   /etc/signet/sidecar.roothash        trusted sidecar root hashes
 *   /etc/signet/sidecar-signer.pem      or a certificate that signs them
 *   /etc/signet/modules, /lib/modules/  kernel modules, in load order
 *   /etc/signet/authorized_keys         who may log in in recovery
 *   /etc/signet/ssh_host_ed25519_key    the recovery sshd's key (0600)
 *   /dev/console
 * Nothing else: equal inputs give byte-identical initrds, and with a
 * deterministic signature byte-identical UKIs.
 */
#ifndef SIGNET_PROVISION_H
#define SIGNET_PROVISION_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "buf.h"

#define SG_PROVISION_MAX_LIST 64

struct sg_provision {
	const char *config;	/* the host document, YAML or JSON */
	const char *kernel;	/* vmlinuz */
	const char *init;	/* the signet-init binary */
	const char *stub;	/* systemd-stub */
	const char *os_release; /* optional */
	const char *cmdline;
	const char *modules[SG_PROVISION_MAX_LIST]; /* .ko, load order */
	size_t nmodules;
	const char *root_hashes[SG_PROVISION_MAX_LIST]; /* hex */
	size_t nroot_hashes;
	const char *libs[SG_PROVISION_MAX_LIST]; /* dlopen()ed */
	size_t nlibs;
	const char *signer_cert;     /* optional PEM */
	const char *authorized_keys; /* required with a disk */
	const char *ssh_host_key;    /* required with a disk */
	EVP_PKEY *key;		     /* db key and certificate */
	X509 *cert;
	int deterministic; /* no signingTime */
};

/* The libraries signet-init dlopen()s, as Debian bookworm installs them. */
#define SG_PROVISION_DEFAULT_LIBS \
	"/usr/lib/x86_64-linux-gnu/libtss2-tcti-device.so.0", "/lib/x86_64-linux-gnu/libgcc_s.so.1"

/* 0 when data[0..len) is an authorized_keys file: at least one key, and
 * every line that is not blank or a '#' comment names a public key type
 * (ssh-*, ecdsa-sha2-*, sk-*), possibly after options. */
int sg_provision_check_authorized_keys(const char *path, const uint8_t *data, size_t len);

/* Builds the initrd (appended to initrd) and the signed UKI around it
 * (appended to uki). */
int sg_provision_build(const struct sg_provision *p, struct sg_buf *initrd, struct sg_buf *uki);

#endif
