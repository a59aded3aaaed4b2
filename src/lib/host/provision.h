/* provision.h - one host's signed boot image, made on the control plane:
 * the host's configuration, keys and trusted root hashes baked into an
 * initrd around signet-init, in a UKI signed with the organisation's db
 * key (signet host provision).
 *
 * The initrd is two gzip'ed newc archives, one after the other (the
 * kernel unpacks each in turn): the system's, the same for every host
 * that boots the same signet-init, libraries and modules, and the
 * host's own. They hold:
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
 * (the system's: /init, the libraries, the modules, /dev/console; the
 * host's: the rest). Nothing else: equal inputs give byte-identical
 * initrds, and with a
 * deterministic signature byte-identical UKIs.
 */
#ifndef SIGNET_PROVISION_H
#define SIGNET_PROVISION_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <sys/types.h>

#include "buf.h"
#include "elfdeps.h"
#include "json.h"

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
 * (appended to uki). Reads every file p names and calls
 * sg_provision_build_mem. */
int sg_provision_build(const struct sg_provision *p, struct sg_buf *initrd, struct sg_buf *uki);

/* One input given in memory. */
struct sg_provision_blob {
	const char *name; /* a module's NAME.ko; otherwise for messages */
	const uint8_t *data;
	size_t len;
	mode_t mode; /* a module's permission bits */
};

/* The same inputs in memory: what sg_provision_build reads from files,
 * or what a fleet build takes from its pinned inputs (fleetboot.h). */
struct sg_provision_mem {
	const struct sg_json *config; /* the host document, in the data model */
	const char *config_name;      /* for messages */
	/* signet-init and the dlopen()ed libraries with their closures: read
	 * through fs (elf_mode their permission bits), or from the host's
	 * files with their own permission bits when fs is NULL. */
	const struct sg_elf_fs *fs;
	mode_t elf_mode;
	const char *init;
	const char *const *libs;
	size_t nlibs;
	const struct sg_provision_blob *modules; /* load order */
	size_t nmodules;
	const char *const *root_hashes; /* hex */
	size_t nroot_hashes;
	struct sg_provision_blob signer_cert;	  /* data NULL: none */
	struct sg_provision_blob authorized_keys; /* data NULL: none */
	struct sg_provision_blob ssh_host_key;	  /* data NULL: none */
	/* The SSH host key is added later by sg_provision_add_host_key
	 * (the control plane's): a host with a disk needs none here. */
	int host_key_later;
	struct sg_provision_blob kernel, stub, os_release; /* os_release optional */
	const char *cmdline;
	EVP_PKEY *key; /* NULL: the UKI is left unsigned */
	X509 *cert;
	int deterministic;
	/* NULL, or what sg_provision_system_archive gave for these init,
	 * libs and modules: used as it is (a fleet build makes it once for
	 * all its hosts). */
	const struct sg_buf *system_archive;
};

/* The system's archive of m (gzip'ed newc): /init and its libraries,
 * the dlopen()ed ones, the modules and their load order, /dev/console,
 * appended to out. Everything in it is the same for every host. */
int sg_provision_system_archive(const struct sg_provision_mem *m, struct sg_buf *out);

/* Builds the initrd and the UKI of m as sg_provision_build does: the
 * same inputs give the same bytes. Fails on any input signet-init would
 * refuse (the host document by hostcfg's rules, a root hash, a module
 * name, an authorized_keys or host key file, a certificate). */
int sg_provision_build_mem(const struct sg_provision_mem *m, struct sg_buf *initrd,
			   struct sg_buf *uki);

/* The control plane's step after a build without the SSH host key
 * (host_key_later): appends to the .initrd section of the unsigned UKI
 * img one more, uncompressed newc archive holding only
 * /etc/signet/ssh_host_ed25519_key (0600; the kernel unpacks
 * concatenated archives, the last gzip member padded with zeros
 * to 4 bytes as its unpacker wants), and Authenticode-signs the result
 * with key and cert (deterministic: no signingTime) into out. The same
 * image, host key and db key give the same bytes. out holds the host
 * key: the caller wipes it. Fails, out freed, on a signed image, one
 * without .initrd, or a host key that is not an OpenSSH private key. */
int sg_provision_add_host_key(const uint8_t *img, size_t len, const char *name,
			      const uint8_t *host_key, size_t host_key_len, EVP_PKEY *key,
			      X509 *cert, struct sg_buf *out);

#endif
