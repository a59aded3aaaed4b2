/* fleetdoc.h - the fleet repository's documents, read and checked
 * (signet-fleet(5)).
 *
 * A fleet repository is a directory kept in git:
 *
 *   fleet.yaml            the organisation: its authority's DomainID,
 *                         the CA, the DNS zones, the release channel,
 *                         the hosts' default kernel command line
 *   hosts/<name>.yaml     one per host: the host document signet-init
 *                         reads, plus roles, addresses, the rootfs it
 *                         runs, its SSH host key and age recipient
 *   services/<name>.yaml  what runs where: web sites, DNS zones, the CA
 *   fleet.lock            every outside input, pinned by SHA-256
 *   state/                what is made once and kept (certificates,
 *                         public DNS keys, host secrets as SOPS files)
 *
 * sg_fleet_load() reads them all and checks every rule of
 * signet-fleet(5), collecting one line per broken rule,
 * "FILE:LINE: rule" (FILE relative to the repository), in the order the
 * files are read (fleet.yaml, fleet.lock, hosts/ and services/ sorted
 * by name). A rule that names two documents (a duplicate address, a
 * service on a host without the role) is reported at the second. The
 * rules: every key known and of its type, every required key present,
 * names and addresses unique across hosts, a host's file named after
 * it, roles known, each role's fields present (a web host has an age
 * recipient for its keys, every networked role an address, the
 * authority none), every service name inside the CA's permitted DNS
 * suffixes, every service on hosts that exist and carry the service's
 * role, every zone served one of the fleet's, every rootfs a host
 * names pinned in fleet.lock.
 * The boot part of a host document is checked by signet-init's own
 * rules (hostcfg.h), the error placed on the line of the key it names.
 *
 * Nothing here reads state/ or the inputs the lock pins: the lock's
 * digests are compared with the files by the build (fleetlock.h).
 */
#ifndef SIGNET_FLEETDOC_H
#define SIGNET_FLEETDOC_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "json.h"
#include "x509cert.h"
#include "x509name.h"

#define SG_FLEET_MAX_FILE (1u << 20) /* one document, bytes */
#define SG_FLEET_MAX_DOCS 4096	     /* hosts, services */
#define SG_FLEET_MAX_LIST 64	     /* addresses, names, zones, ... */

/* The kernel command line of a booting host when neither fleet.yaml's
 * boot.cmdline nor the host's cmdline names one: the serial console, a
 * reboot (not a hang) on panic, and signet-init's delay before it. */
#define SG_FLEET_DEFAULT_CMDLINE "console=ttyS0 panic=-1 signet.reboot_delay=5"

enum sg_fleet_role {
	SG_FLEET_AUTHORITY = 1u << 0,
	SG_FLEET_BUILDER = 1u << 1,
	SG_FLEET_CA = 1u << 2,
	SG_FLEET_DNS_AUTHORITATIVE = 1u << 3,
	SG_FLEET_DNS_RESOLVER = 1u << 4,
	SG_FLEET_WEB = 1u << 5,
	SG_FLEET_APP = 1u << 6,
};

/* "authority", "builder", ... for a single role bit; NULL otherwise. */
const char *sg_fleet_role_name(unsigned role);

struct sg_fleet_addr {
	int family; /* AF_INET or AF_INET6 */
	uint8_t bytes[16];
	char text[46]; /* as inet_ntop writes it */
};

/* A list of strings from a document; each entry's line kept for the
 * rules checked after the whole list is read. */
struct sg_fleet_strs {
	char *v[SG_FLEET_MAX_LIST];
	unsigned line[SG_FLEET_MAX_LIST];
	size_t n;
};

struct sg_fleet_host {
	char *name;
	char *file; /* "hosts/<name>.yaml" */
	unsigned roles;
	struct sg_fleet_addr addrs[SG_FLEET_MAX_LIST];
	unsigned addr_line[SG_FLEET_MAX_LIST];
	size_t naddrs;
	char *rootfs;		 /* NULL: boots into the sidecar */
	char *cmdline;		 /* its kernel command line, or NULL: the fleet's */
	char *ssh_host_key;	 /* "ssh-ed25519 AAAA..." (one line), or NULL */
	char *age_recipient;	 /* "age1...", or NULL */
	int has_attestation_key; /* builders: the key their attestations verify with */
	uint8_t attestation_key[32];
	/* The host document signet-init reads (hostcfg.h): every key of
	 * the file but the fleet's own, in the data model. */
	struct sg_json *boot;
};

enum sg_fleet_kind { SG_FLEET_SVC_WEB, SG_FLEET_SVC_DNS, SG_FLEET_SVC_CA };
enum sg_fleet_clients {
	SG_FLEET_CLIENTS_NONE,
	SG_FLEET_CLIENTS_OPTIONAL,
	SG_FLEET_CLIENTS_REQUIRED
};

struct sg_fleet_service {
	char *name;
	char *file; /* "services/<name>.yaml" */
	enum sg_fleet_kind kind;
	struct sg_fleet_strs hosts; /* where it runs */
	/* web and ca: the names it answers to (the certificate's names) */
	struct sg_fleet_strs names;
	unsigned port;		       /* web, ca: default 443 */
	char *root;		       /* web: a static root, or */
	char *upstream;		       /* web: http://ADDRESS:PORT to proxy to */
	enum sg_fleet_clients clients; /* web, ca: client certificates */
	struct sg_fleet_strs zones;    /* dns: the zones served */
};

/* An outside input: a file named in fleet.lock by its SHA-256. */
struct sg_fleet_input {
	char *name; /* "kernel", "stub", "signet-init", "rootfs/debian", ... */
	uint8_t sha256[32];
	uint64_t size;
	char *source;  /* where it comes from, for people; may be NULL */
	unsigned line; /* of its name in fleet.lock */
};

struct sg_fleet {
	char *organisation;
	char *domain_id; /* the authority's DomainID */
	char *ca_name;
	enum sg_ca_alg ca_alg;
	struct sg_fleet_strs permit_dns;
	struct sg_cidr permit_ip[SG_FLEET_MAX_LIST];
	size_t npermit_ip;
	struct sg_fleet_strs zones; /* under the private root ".", canonical */
	char *host_zone;	    /* where <host>.<zone> lives: one of zones */
	char *channel;
	struct sg_fleet_strs mirrors;
	char *cmdline;		     /* boot.cmdline, or SG_FLEET_DEFAULT_CMDLINE */
	struct sg_fleet_host *hosts; /* sorted by name */
	size_t nhosts;
	struct sg_fleet_service *services; /* sorted by name */
	size_t nservices;
	struct sg_fleet_input *inputs; /* sorted by name */
	size_t ninputs;
};

/* Reads and checks the repository at dir. On success 0; on any broken
 * rule -1, with every "FILE:LINE: rule" line appended to diag (each
 * ending in '\n') and the error set to the first of them (LINE is 0
 * for what concerns the whole file). sg_fleet_free(f) after either. */
int sg_fleet_load(const char *dir, struct sg_fleet *f, struct sg_buf *diag);

/* The same rules over documents given in memory, for the fuzzer and
 * the tests: docs[i] is named names[i] ("fleet.yaml", "fleet.lock",
 * "hosts/x.yaml", "services/y.yaml"). */
int sg_fleet_parse(const char *const *names, const char *const *docs, const size_t *lens, size_t n,
		   struct sg_fleet *f, struct sg_buf *diag);

/* 1 when s is an input name: a relative path of [a-z0-9._-] components,
 * at most 128 bytes, without "..", "//" or a final '/'. */
int sg_fleet_input_name_ok(const char *s);

const struct sg_fleet_host *sg_fleet_host(const struct sg_fleet *f, const char *name);
const struct sg_fleet_input *sg_fleet_input(const struct sg_fleet *f, const char *name);

void sg_fleet_free(struct sg_fleet *f);

#endif
