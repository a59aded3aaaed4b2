/* dnskeys.h - DNSSEC key files of a signet DNS directory, through ldns.
 *
 * Keys live in DIR/keys/ under BIND's names, K<zone>+<alg>+<tag>.key
 * (the DNSKEY record) and .private (ldns' "Private-key-format: v1.2",
 * mode 0600, staged in the caller's transaction and never overwritten), or, when dns.conf
 * names age recipients, .private.age: the same text age-encrypted to
 * them, never on disk in plaintext. Loading such a key needs identities. The tag in the
 * name is the key tag with the REVOKE bit clear. Generation and signing
 * are ldns' own; nothing here touches a primitive.
 */
#ifndef SIGNET_DNSKEYS_H
#define SIGNET_DNSKEYS_H

#include <ldns/ldns.h>

#include "age.h"
#include "dnsconf.h"
#include "txn.h"

/* The algorithm number for "ecdsap256" (13) or "ed25519" (15); -1 else. */
int sg_dns_alg_from_name(const char *name);

/* Path of a key file: suffix is "key" or "private"; _rel without DIR/
 * ("keys/K<zone>+<alg>+<tag>.<suffix>", room: SG_DNSKEY_REL_MAX). A
 * result longer than cap is refused. */
#define SG_DNSKEY_REL_MAX 1024
int sg_dnskey_path(const char *dir, const struct sg_dns_key *k, const char *suffix, char *out,
		   size_t cap);
int sg_dnskey_rel(const struct sg_dns_key *k, const char *suffix, char *out, size_t cap);

/* Generates a key for zone with the given algorithm and flags, stages its
 * two files in t (the DNS directory's transaction; refused when either is
 * on disk already) and fills *out (state active, since now). The tag is
 * chosen to differ from every key already in c for that zone, revoked or
 * not. */
int sg_dnskey_generate(struct sg_txn *t, const struct sg_dnsconf *c, const char *zone, int alg,
		       int flags, struct sg_dns_key *out);

/* Loads the private key of k, with owner, flags (REVOKE set for a revoked
 * key) and key tag set; checks the tag matches the file's name. */
ldns_key *sg_dnskey_load_private(const char *dir, const struct sg_dns_key *k,
				 const struct sg_age_identities *ids);

/* The DNSKEY record of k from its .key file, REVOKE bit set when revoked;
 * read through t (what it staged, else the disk) when t is not NULL. */
ldns_rr *sg_dnskey_load_public(struct sg_txn *t, const char *dir, const struct sg_dns_key *k);

/* Tag of k's DNSKEY as published (differs from k->tag once revoked). */
int sg_dnskey_published_tag(const char *dir, const struct sg_dns_key *k, unsigned *tag);

#endif
