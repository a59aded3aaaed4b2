#include "dnskeys.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "crypto.h"
#include "err.h"
#include "fileio.h"
#include "io.h"
#include "path.h"
#include "txn.h"

int sg_dns_alg_from_name(const char *name)
{
	if (!strcmp(name, "ecdsap256") || !strcmp(name, "ecdsap256sha256") || !strcmp(name, "13"))
		return LDNS_ECDSAP256SHA256;
	if (!strcmp(name, "ed25519") || !strcmp(name, "15"))
		return LDNS_ED25519;
	return -1;
}

int sg_dnskey_rel(const struct sg_dns_key *k, const char *suffix, char *out, size_t cap)
{
	int n = snprintf(out, cap, "keys/K%s+%03d+%05u.%s", k->zone, k->alg, k->tag, suffix);

	if (n < 0 || (size_t)n >= cap)
		return sg_fail("key file name for zone '%.80s...' too long", k->zone);
	return 0;
}

int sg_dnskey_path(const char *dir, const struct sg_dns_key *k, const char *suffix, char *out,
		   size_t cap)
{
	char rel[SG_DNSKEY_REL_MAX];

	if (sg_dnskey_rel(k, suffix, rel, sizeof(rel)) < 0)
		return -1;
	return sg_path_join(out, cap, dir, rel);
}

static int tag_in_use(const struct sg_dnsconf *c, const char *zone, unsigned tag)
{
	for (size_t i = 0; i < c->nkeys; i++) {
		if (strcmp(c->keys[i].zone, zone))
			continue;
		/* RFC 5011 revocation adds 128 to the tag (the flags word is
		 * summed in); keep both forms distinct. */
		if (c->keys[i].tag == tag || ((c->keys[i].tag + SG_DNS_REVOKE) & 0xffff) == tag ||
		    c->keys[i].tag == ((tag + SG_DNS_REVOKE) & 0xffff))
			return 1;
	}
	return 0;
}

/* Prints into a memory buffer with an ldns printer. */
static char *print_to_mem(void (*fn)(FILE *, const void *), const void *arg, size_t *len)
{
	char *mem = NULL;
	FILE *f = open_memstream(&mem, len);

	if (!f)
		return NULL;
	fn(f, arg);
	if (fclose(f) != 0) {
		free(mem);
		return NULL;
	}
	return mem;
}

static void print_key(FILE *f, const void *k)
{
	ldns_key_print(f, (const ldns_key *)k);
}

static void print_rr(FILE *f, const void *rr)
{
	ldns_rr_print(f, (const ldns_rr *)rr);
}

/* A key file that is on disk already is never replaced. */
static int check_absent(struct sg_txn *t, const char *rel)
{
	char path[SG_PATH_MAX];

	if (sg_path_join(path, sizeof(path), t->dir, rel) < 0)
		return -1;
	if (access(path, F_OK) == 0)
		return sg_fail("%s: already exists, not overwriting", path);
	return 0;
}

/* A fresh key for zone whose tag no key of the zone has (in either
 * form), and its DNSKEY record. */
static int new_key(const struct sg_dnsconf *c, const char *zone, int alg, int flags,
		   ldns_key **keyp, ldns_rr **rrp)
{
	ldns_key *key;
	ldns_rr *rr;
	ldns_rdf *owner;

	for (int attempt = 0; attempt < 16; attempt++) {
		key = ldns_key_new_frm_algorithm((ldns_signing_algorithm)alg, 256);
		if (!key)
			return sg_fail("ldns cannot generate an algorithm %d key", alg);
		if (ldns_str2rdf_dname(&owner, zone) != LDNS_STATUS_OK) {
			ldns_key_deep_free(key);
			return sg_fail("'%s': not a domain name", zone);
		}
		ldns_key_set_pubkey_owner(key, owner);
		ldns_key_set_flags(key, (uint16_t)flags);
		rr = ldns_key2rr(key);
		if (!rr) {
			ldns_key_deep_free(key);
			return sg_fail("ldns cannot make a DNSKEY record");
		}
		ldns_rr_set_ttl(rr, 3600);
		ldns_key_set_keytag(key, ldns_calc_keytag(rr));
		if (!tag_in_use(c, zone, ldns_key_keytag(key))) {
			*keyp = key;
			*rrp = rr;
			return 0;
		}
		ldns_rr_free(rr);
		ldns_key_deep_free(key);
	}
	return sg_fail("no free key tag for '%s'", zone);
}

/* The private key age-encrypted to dns.conf's recipients, staged at
 * ppath: at rest it is only age-encrypted, the plaintext stays in
 * memory (and is staged nowhere). */
static int stage_encrypted(struct sg_txn *t, const struct sg_dnsconf *c, const char *ppath,
			   const char *priv, size_t privlen)
{
	struct sg_age_recipients rs = { 0 };
	struct sg_buf enc = SG_BUF_INIT;
	struct sg_mem_source src;
	struct sg_writer w = sg_buf_writer(&enc);
	int erc = 0, rc = -1;

	for (size_t i = 0; erc == 0 && i < c->nrecipients; i++)
		erc = sg_age_recipients_add(&rs, c->recipients[i], strlen(c->recipients[i]));
	if (erc == 0)
		erc = sg_age_encrypt(&rs, sg_mem_reader(&src, priv, privlen), w);
	if (erc == 0)
		erc = sg_writer_close(&w);
	if (erc == 0)
		rc = sg_txn_write(t, ppath, enc.data, enc.len, 0600);
	sg_buf_free(&enc);
	sg_age_recipients_free(&rs);
	return rc;
}

/* Stages the key's two files, neither of which may be on disk: the
 * private key at ppath (age-encrypted when dns.conf has recipients),
 * the DNSKEY record at kpath. */
static int stage_key_files(struct sg_txn *t, const struct sg_dnsconf *c, const char *ppath,
			   const char *kpath, const ldns_key *key, const ldns_rr *rr, unsigned tag)
{
	size_t privlen = 0, publen = 0;
	char *priv = print_to_mem(print_key, key, &privlen);
	char *pub = print_to_mem(print_rr, rr, &publen);
	int rc = -1;

	if (!priv || !pub) {
		sg_fail("cannot format key %u", tag);
	} else if (check_absent(t, ppath) < 0 || check_absent(t, kpath) < 0 ||
		   sg_txn_mkdir(t, "keys", 0700) < 0) {
		/* refused */
	} else if ((c->nrecipients ? stage_encrypted(t, c, ppath, priv, privlen)
				   : sg_txn_write(t, ppath, priv, privlen, 0600)) == 0) {
		rc = sg_txn_write(t, kpath, pub, publen, 0644);
	}
	if (priv)
		sg_wipe(priv, privlen);
	free(priv);
	free(pub);
	return rc;
}

int sg_dnskey_generate(struct sg_txn *t, const struct sg_dnsconf *c, const char *zone, int alg,
		       int flags, struct sg_dns_key *out)
{
	char ppath[SG_DNSKEY_REL_MAX + 4], kpath[SG_DNSKEY_REL_MAX];
	ldns_key *key = NULL;
	ldns_rr *rr = NULL;
	int rc = -1;

	if (new_key(c, zone, alg, flags, &key, &rr) < 0)
		return -1;
	memset(out, 0, sizeof(*out));
	out->zone = (char *)zone;
	out->alg = alg;
	out->flags = flags;
	out->tag = ldns_key_keytag(key);
	out->state = SG_DNS_KEY_ACTIVE;
	out->since = (int64_t)time(NULL);
	if (sg_dnskey_rel(out, "private", ppath, sizeof(ppath) - 4) == 0 &&
	    sg_dnskey_rel(out, "key", kpath, sizeof(kpath)) == 0) {
		if (c->nrecipients)
			strcat(ppath, ".age"); /* the 4 bytes kept above */
		rc = stage_key_files(t, c, ppath, kpath, key, rr, out->tag);
	}
	ldns_rr_free(rr);
	ldns_key_deep_free(key);
	return rc;
}

/* Reads an age-encrypted private key into plain (wiped by the caller). */
static int decrypt_key(const char *path, const struct sg_age_identities *ids, struct sg_buf *plain)
{
	struct sg_buf enc = SG_BUF_INIT;
	struct sg_mem_source src;
	struct sg_writer w = sg_buf_writer(plain);
	int rc;

	if (!ids || ids->n == 0)
		return sg_fail("%s: key is age-encrypted; give an identity (--age-identity)", path);
	if (sg_read_file(path, &enc, 1 << 20) < 0)
		return -1;
	rc = sg_age_decrypt(ids, sg_mem_reader(&src, enc.data, enc.len), w);
	if (rc == 0)
		rc = sg_writer_close(&w);
	sg_buf_free(&enc);
	if (rc < 0)
		return sg_fail_prefix(path);
	return 0;
}

/* Parses the private key file path (0 with *s the parser's status), or
 * the age-encrypted apath when path is absent (*used names the one
 * read); the decrypted plaintext is wiped. */
static int read_private(const char *path, const char *apath, const struct sg_age_identities *ids,
			ldns_key **key, int *line, ldns_status *s, const char **used)
{
	struct sg_buf plain = SG_BUF_INIT;
	FILE *f;

	*used = path;
	if (access(path, F_OK) == 0) {
		if (!(f = fopen(path, "re")))
			return sg_fail_errno("%s: missing key", path);
		*s = ldns_key_new_frm_fp_l(key, f, line);
		fclose(f);
		return 0;
	}
	if (access(apath, F_OK) != 0)
		return sg_fail_errno("%s: missing key", path);
	if (decrypt_key(apath, ids, &plain) < 0) {
		sg_buf_wipe(&plain);
		return -1;
	}
	if (!(f = plain.len ? fmemopen(plain.data, plain.len, "r") : NULL)) {
		sg_buf_wipe(&plain);
		return sg_fail("%s: empty key", apath);
	}
	*s = ldns_key_new_frm_fp_l(key, f, line);
	fclose(f);
	sg_buf_wipe(&plain);
	*used = apath;
	return 0;
}

/* Gives the parsed key its owner, flags and key tag, checked against
 * the key's name k (the tag computed before the REVOKE bit is set). */
static int key_settle(ldns_key *key, const struct sg_dns_key *k, const char *path)
{
	ldns_rdf *owner;
	ldns_rr *rr;

	if (ldns_str2rdf_dname(&owner, k->zone) != LDNS_STATUS_OK)
		return sg_fail("'%s': not a domain name", k->zone);
	ldns_key_set_pubkey_owner(key, owner);
	ldns_key_set_flags(key, (uint16_t)k->flags);
	rr = ldns_key2rr(key);
	if (!rr || ldns_calc_keytag(rr) != k->tag || (int)ldns_key_algorithm(key) != k->alg) {
		ldns_rr_free(rr);
		return sg_fail("%s: key does not match its name (tag %u, algorithm %d)", path,
			       k->tag, k->alg);
	}
	ldns_rr_free(rr);
	if (k->state == SG_DNS_KEY_REVOKED)
		ldns_key_set_flags(key, (uint16_t)(k->flags | SG_DNS_REVOKE));
	if (!(rr = ldns_key2rr(key)))
		return sg_fail("%s: cannot make a DNSKEY record", path);
	ldns_key_set_keytag(key, ldns_calc_keytag(rr));
	ldns_rr_free(rr);
	return 0;
}

ldns_key *sg_dnskey_load_private(const char *dir, const struct sg_dns_key *k,
				 const struct sg_age_identities *ids)
{
	char file[SG_PATH_MAX], apath[SG_PATH_MAX + 4];
	const char *path;
	ldns_key *key = NULL;
	ldns_status s = LDNS_STATUS_OK;
	int line = 0;

	if (sg_dnskey_path(dir, k, "private", file, sizeof(file)) < 0)
		return NULL;
	snprintf(apath, sizeof(apath), "%s.age", file);
	if (read_private(file, apath, ids, &key, &line, &s, &path) < 0)
		return NULL;
	if (s != LDNS_STATUS_OK) {
		sg_fail("%s:%d: %s", path, line, ldns_get_errorstr_by_id(s));
		return NULL;
	}
	if (key_settle(key, k, path) < 0) {
		ldns_key_deep_free(key);
		return NULL;
	}
	return key;
}

ldns_rr *sg_dnskey_load_public(struct sg_txn *t, const char *dir, const struct sg_dns_key *k)
{
	char rel[SG_DNSKEY_REL_MAX], path[SG_PATH_MAX];
	struct sg_buf text = SG_BUF_INIT;
	ldns_rr *rr = NULL;
	ldns_status s;
	int line = 0, rc, open_line;
	FILE *f;

	if (sg_dnskey_rel(k, "key", rel, sizeof(rel)) < 0 ||
	    sg_path_join(path, sizeof(path), dir, rel) < 0)
		return NULL;
	rc = t ? sg_txn_read(t, rel, &text, 1 << 16) : sg_read_file(path, &text, 1 << 16);
	if (rc < 0 || !text.len || !(f = fmemopen(text.data, text.len, "r"))) {
		sg_buf_free(&text);
		sg_fail("%s: missing key", path);
		return NULL;
	}
	/* ldns counts the newlines it consumed, the failing line's too;
	 * only a last line without one is not counted. */
	open_line = text.data[text.len - 1] != '\n';
	s = ldns_rr_new_frm_fp_l(&rr, f, NULL, NULL, NULL, &line);
	fclose(f);
	sg_buf_free(&text);
	if (s != LDNS_STATUS_OK) {
		sg_fail("%s:%d: %s", path, line + open_line, ldns_get_errorstr_by_id(s));
		return NULL;
	}
	if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_DNSKEY ||
	    ldns_rdf2native_int16(ldns_rr_dnskey_flags(rr)) != k->flags ||
	    ldns_rdf2native_int8(ldns_rr_dnskey_algorithm(rr)) != k->alg ||
	    ldns_calc_keytag(rr) != k->tag) {
		ldns_rr_free(rr);
		sg_fail("%s: not the DNSKEY of key %u (flags %d, algorithm %d)", path, k->tag,
			k->flags, k->alg);
		return NULL;
	}
	if (k->state == SG_DNS_KEY_REVOKED) {
		ldns_rdf *fl = ldns_native2rdf_int16(LDNS_RDF_TYPE_INT16,
						     (uint16_t)(k->flags | SG_DNS_REVOKE));
		ldns_rdf_deep_free(ldns_rr_set_rdf(rr, fl, 0));
	}
	return rr;
}

int sg_dnskey_published_tag(const char *dir, const struct sg_dns_key *k, unsigned *tag)
{
	ldns_rr *rr = sg_dnskey_load_public(NULL, dir, k);

	if (!rr)
		return -1;
	*tag = ldns_calc_keytag(rr);
	ldns_rr_free(rr);
	return 0;
}
