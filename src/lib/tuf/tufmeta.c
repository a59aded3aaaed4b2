/* tufmeta.c - TUF 1.0 metadata, read, checked and signed (tufmeta.h). */
#include "tufmeta.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "err.h"
#include "hex.h"
#include "timestamp.h"

static const char *const type_names[] = { "root", "timestamp", "snapshot", "targets" };

const char *sg_tuf_type_name(enum sg_tuf_type t)
{
	return type_names[t];
}

/* --- small readers ------------------------------------------------------ */

/* The reading context: the file's name for messages. */
struct rd {
	const char *name;
};

static const struct sg_json *member(const struct rd *r, const struct sg_json *o, const char *key,
				    enum sg_json_kind kind, const char *where)
{
	const struct sg_json *v = sg_json_get(o, key);
	if (!v) {
		sg_fail("%s: %s lacks \"%s\"", r->name, where, key);
		return NULL;
	}
	if (v->kind != kind) {
		sg_fail("%s: %s.%s has the wrong type", r->name, where, key);
		return NULL;
	}
	return v;
}

static int get_str(const struct rd *r, const struct sg_json *o, const char *key, const char *where,
		   const char **out)
{
	const struct sg_json *v = member(r, o, key, SG_JSON_STRING, where);
	if (!v)
		return -1;
	if (strlen(v->u.string.data) != v->u.string.len)
		return sg_fail("%s: %s.%s holds a NUL", r->name, where, key);
	*out = v->u.string.data;
	return 0;
}

static int get_uint(const struct rd *r, const struct sg_json *o, const char *key, const char *where,
		    uint64_t min, uint64_t *out)
{
	const struct sg_json *v = member(r, o, key, SG_JSON_INT, where);
	if (!v)
		return -1;
	if (v->u.integer < (int64_t)min || v->u.integer > SG_JSON_MODEL_INT_MAX)
		return sg_fail("%s: %s.%s is out of range", r->name, where, key);
	*out = (uint64_t)v->u.integer;
	return 0;
}

static char *dup_or_fail(const char *s)
{
	char *d = strdup(s);
	if (!d)
		sg_fail("out of memory");
	return d;
}

static int hex32(const struct rd *r, const char *s, const char *where, uint8_t out[32])
{
	size_t n;
	if (strlen(s) != 64 || sg_hex_decode(s, 64, out, 32, &n) < 0 || n != 32)
		return sg_fail("%s: %s is not 64 hex digits", r->name, where);
	for (size_t i = 0; i < 64; i++)
		if (s[i] >= 'A' && s[i] <= 'F')
			return sg_fail("%s: %s is not lowercase hex", r->name, where);
	return 0;
}

/* {"sha256": HEX, ...}: the sha256 when present; other algorithms are
 * allowed and ignored. */
static int read_hashes(const struct rd *r, const struct sg_json *h, const char *where, int *has,
		       uint8_t sha256[32])
{
	if (h->kind != SG_JSON_OBJECT || !h->u.object.len)
		return sg_fail("%s: %s.hashes is not an object of hashes", r->name, where);
	*has = 0;
	for (size_t i = 0; i < h->u.object.len; i++) {
		const struct sg_json_member *m = &h->u.object.members[i];
		if (m->value->kind != SG_JSON_STRING)
			return sg_fail("%s: %s.hashes.%s is not a string", r->name, where, m->key);
		if (!strcmp(m->key, "sha256")) {
			if (hex32(r, m->value->u.string.data, "a sha256 hash", sha256) < 0)
				return -1;
			*has = 1;
		}
	}
	return 0;
}

static int read_keyids(const struct rd *r, const struct sg_json *role, const char *where,
		       struct sg_tuf_rolekeys *out)
{
	const struct sg_json *ids = member(r, role, "keyids", SG_JSON_ARRAY, where);
	if (!ids || get_uint(r, role, "threshold", where, 1, &out->threshold) < 0)
		return -1;
	if (ids->u.array.len && !(out->keyids = calloc(ids->u.array.len, sizeof(char *))))
		return sg_fail("out of memory");
	for (size_t i = 0; i < ids->u.array.len; i++) {
		const struct sg_json *k = ids->u.array.items[i];
		if (k->kind != SG_JSON_STRING || !k->u.string.len ||
		    strlen(k->u.string.data) != k->u.string.len)
			return sg_fail("%s: %s.keyids[%zu] is not a keyid", r->name, where, i);
		for (size_t j = 0; j < out->n; j++)
			if (!strcmp(out->keyids[j], k->u.string.data))
				return sg_fail("%s: %s lists keyid %s twice", r->name, where,
					       k->u.string.data);
		if (!(out->keyids[out->n] = dup_or_fail(k->u.string.data)))
			return -1;
		out->n++;
	}
	return 0;
}

static int read_key(const struct rd *r, const struct sg_json_member *m, struct sg_tuf_key *k)
{
	const char *type = NULL, *scheme = NULL, *pub = NULL;
	const struct sg_json *kv;
	char where[128];

	snprintf(where, sizeof(where), "key %.64s", m->key);
	if (m->value->kind != SG_JSON_OBJECT)
		return sg_fail("%s: %s is not an object", r->name, where);
	if (!(k->keyid = dup_or_fail(m->key)))
		return -1;
	if (get_str(r, m->value, "keytype", where, &type) < 0 ||
	    get_str(r, m->value, "scheme", where, &scheme) < 0 ||
	    !(kv = member(r, m->value, "keyval", SG_JSON_OBJECT, where)))
		return -1;
	k->usable = !strcmp(type, "ed25519") && !strcmp(scheme, "ed25519");
	if (!k->usable)
		return 0;
	if (get_str(r, kv, "public", where, &pub) < 0 || hex32(r, pub, "an ed25519 key", k->pub) < 0)
		return -1;
	return 0;
}

static int read_keys(const struct rd *r, const struct sg_json *keys, struct sg_tuf_meta *m)
{
	if (keys->u.object.len && !(m->keys = calloc(keys->u.object.len, sizeof(*m->keys))))
		return sg_fail("out of memory");
	for (size_t i = 0; i < keys->u.object.len; i++) {
		if (read_key(r, &keys->u.object.members[i], &m->keys[i]) < 0) {
			m->nkeys = i + 1;
			return -1;
		}
		m->nkeys = i + 1;
	}
	return 0;
}

/* --- the roles ----------------------------------------------------------- */

static int read_root(const struct rd *r, const struct sg_json *s, struct sg_tuf_meta *m)
{
	const struct sg_json *keys, *roles, *cs;

	if (!(keys = member(r, s, "keys", SG_JSON_OBJECT, "signed")) ||
	    !(roles = member(r, s, "roles", SG_JSON_OBJECT, "signed")) ||
	    !(cs = member(r, s, "consistent_snapshot", SG_JSON_BOOL, "signed")))
		return -1;
	m->consistent_snapshot = cs->u.boolean;
	if (read_keys(r, keys, m) < 0)
		return -1;
	for (int t = SG_TUF_ROOT; t <= SG_TUF_TARGETS; t++) {
		char where[32];
		snprintf(where, sizeof(where), "roles.%s", type_names[t]);
		const struct sg_json *role = member(r, roles, type_names[t], SG_JSON_OBJECT, "roles");
		if (!role || read_keyids(r, role, where, &m->roles[t]) < 0)
			return -1;
	}
	return 0;
}

static int read_metafile(const struct rd *r, const struct sg_json_member *mm,
			 struct sg_tuf_metafile *f)
{
	const struct sg_json *v = mm->value, *h;
	char where[160];

	snprintf(where, sizeof(where), "meta.%.128s", mm->key);
	if (v->kind != SG_JSON_OBJECT)
		return sg_fail("%s: %s is not an object", r->name, where);
	if (!(f->name = dup_or_fail(mm->key)) || get_uint(r, v, "version", where, 1, &f->version) < 0)
		return -1;
	if (sg_json_get(v, "length")) {
		if (get_uint(r, v, "length", where, 0, &f->length) < 0)
			return -1;
		f->has_length = 1;
	}
	if ((h = sg_json_get(v, "hashes")) && read_hashes(r, h, where, &f->has_sha256, f->sha256) < 0)
		return -1;
	return 0;
}

static int read_meta(const struct rd *r, const struct sg_json *s, struct sg_tuf_meta *m)
{
	const struct sg_json *meta = member(r, s, "meta", SG_JSON_OBJECT, "signed");
	if (!meta)
		return -1;
	if (meta->u.object.len && !(m->meta = calloc(meta->u.object.len, sizeof(*m->meta))))
		return sg_fail("out of memory");
	for (size_t i = 0; i < meta->u.object.len; i++) {
		m->nmeta = i + 1;
		if (read_metafile(r, &meta->u.object.members[i], &m->meta[i]) < 0)
			return -1;
	}
	const char *need = m->type == SG_TUF_TIMESTAMP ? "snapshot.json" : "targets.json";
	if (!sg_tuf_meta_file(m, need))
		return sg_fail("%s: meta lacks \"%s\"", r->name, need);
	if (m->type == SG_TUF_TIMESTAMP && m->nmeta != 1)
		return sg_fail("%s: a timestamp's meta names snapshot.json only", r->name);
	return 0;
}

static int read_target(const struct rd *r, const struct sg_json_member *tm, struct sg_tuf_target *t)
{
	const struct sg_json *v = tm->value, *h, *custom;
	char where[300];
	int has = 0;

	snprintf(where, sizeof(where), "targets[\"%.256s\"]", tm->key);
	if (v->kind != SG_JSON_OBJECT)
		return sg_fail("%s: %s is not an object", r->name, where);
	if (strlen(tm->key) != tm->key_len || !tm->key_len)
		return sg_fail("%s: a target path is empty or holds a NUL", r->name);
	if (!(t->path = dup_or_fail(tm->key)) || get_uint(r, v, "length", where, 0, &t->length) < 0 ||
	    !(h = member(r, v, "hashes", SG_JSON_OBJECT, where)) ||
	    read_hashes(r, h, where, &has, t->sha256) < 0)
		return -1;
	if (!has)
		return sg_fail("%s: %s has no sha256 hash", r->name, where);
	if ((custom = sg_json_get(v, "custom"))) {
		if (custom->kind != SG_JSON_OBJECT)
			return sg_fail("%s: %s.custom is not an object", r->name, where);
		if (!(t->custom = sg_json_clone(custom)))
			return -1;
	}
	return 0;
}

static int read_strings(const struct rd *r, const struct sg_json *a, const char *where, char ***out,
			size_t *n)
{
	if (a->kind != SG_JSON_ARRAY)
		return sg_fail("%s: %s is not an array", r->name, where);
	if (a->u.array.len && !(*out = calloc(a->u.array.len, sizeof(char *))))
		return sg_fail("out of memory");
	for (size_t i = 0; i < a->u.array.len; i++) {
		const struct sg_json *s = a->u.array.items[i];
		if (s->kind != SG_JSON_STRING || strlen(s->u.string.data) != s->u.string.len)
			return sg_fail("%s: %s[%zu] is not a string", r->name, where, i);
		if (!((*out)[i] = dup_or_fail(s->u.string.data)))
			return -1;
		*n = i + 1;
	}
	return 0;
}

static int read_delegation(const struct rd *r, const struct sg_json *v, size_t i,
			   struct sg_tuf_delegation *d)
{
	const char *name = NULL;
	const struct sg_json *term, *paths, *prefixes;
	char where[64];

	snprintf(where, sizeof(where), "delegations.roles[%zu]", i);
	if (v->kind != SG_JSON_OBJECT)
		return sg_fail("%s: %s is not an object", r->name, where);
	if (get_str(r, v, "name", where, &name) < 0 || !(d->name = dup_or_fail(name)) ||
	    read_keyids(r, v, where, &d->keys) < 0 ||
	    !(term = member(r, v, "terminating", SG_JSON_BOOL, where)))
		return -1;
	/* a role's name becomes a file name: nothing that leaves the
	 * metadata directory or clashes with a top-level role */
	if (!*name || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, "..") ||
	    !strcmp(name, "root") || !strcmp(name, "timestamp") || !strcmp(name, "snapshot") ||
	    !strcmp(name, "targets"))
		return sg_fail("%s: %s has the name \"%s\", which a role may not have", r->name,
			       where, name);
	d->terminating = term->u.boolean;
	paths = sg_json_get(v, "paths");
	prefixes = sg_json_get(v, "path_hash_prefixes");
	if (!!paths == !!prefixes)
		return sg_fail("%s: %s needs exactly one of paths and path_hash_prefixes", r->name,
			       where);
	if (paths)
		return read_strings(r, paths, where, &d->paths, &d->npaths);
	return read_strings(r, prefixes, where, &d->prefixes, &d->nprefixes);
}

static int read_delegations(const struct rd *r, const struct sg_json *dl, struct sg_tuf_meta *m)
{
	const struct sg_json *keys, *roles;

	if (dl->kind != SG_JSON_OBJECT)
		return sg_fail("%s: delegations is not an object", r->name);
	if (!(keys = member(r, dl, "keys", SG_JSON_OBJECT, "delegations")) ||
	    !(roles = member(r, dl, "roles", SG_JSON_ARRAY, "delegations")) ||
	    read_keys(r, keys, m) < 0)
		return -1;
	m->has_delegations = 1;
	if (roles->u.array.len &&
	    !(m->delegations = calloc(roles->u.array.len, sizeof(*m->delegations))))
		return sg_fail("out of memory");
	for (size_t i = 0; i < roles->u.array.len; i++) {
		m->ndelegations = i + 1;
		if (read_delegation(r, roles->u.array.items[i], i, &m->delegations[i]) < 0)
			return -1;
		for (size_t j = 0; j < i; j++)
			if (!strcmp(m->delegations[j].name, m->delegations[i].name))
				return sg_fail("%s: the role \"%s\" is delegated twice", r->name,
					       m->delegations[i].name);
	}
	return 0;
}

static int read_targets(const struct rd *r, const struct sg_json *s, struct sg_tuf_meta *m)
{
	const struct sg_json *t = member(r, s, "targets", SG_JSON_OBJECT, "signed"), *dl;
	if (!t)
		return -1;
	if (t->u.object.len && !(m->targets = calloc(t->u.object.len, sizeof(*m->targets))))
		return sg_fail("out of memory");
	for (size_t i = 0; i < t->u.object.len; i++) {
		m->ntargets = i + 1;
		if (read_target(r, &t->u.object.members[i], &m->targets[i]) < 0)
			return -1;
	}
	if ((dl = sg_json_get(s, "delegations")))
		return read_delegations(r, dl, m);
	return 0;
}

/* --- the envelope ------------------------------------------------------------ */

static int read_common(const struct rd *r, const struct sg_json *s, enum sg_tuf_type t,
		       struct sg_tuf_meta *m)
{
	const char *type = NULL, *spec = NULL, *expires = NULL;

	if (get_str(r, s, "_type", "signed", &type) < 0 ||
	    get_str(r, s, "spec_version", "signed", &spec) < 0 ||
	    get_uint(r, s, "version", "signed", 1, &m->version) < 0 ||
	    get_str(r, s, "expires", "signed", &expires) < 0)
		return -1;
	if (strcmp(type, type_names[t]))
		return sg_fail("%s: _type is \"%s\", not \"%s\"", r->name, type, type_names[t]);
	if (strncmp(spec, "1.", 2) || !spec[2])
		return sg_fail("%s: spec_version \"%s\" is not 1.x", r->name, spec);
	if (sg_time_parse(expires, strlen(expires), "expires", &m->expires) < 0) {
		char msg[256];
		snprintf(msg, sizeof(msg), "%s", sg_errmsg());
		return sg_fail("%s: %s", r->name, msg);
	}
	return 0;
}

static int read_signatures(const struct rd *r, const struct sg_json *sigs)
{
	for (size_t i = 0; i < sigs->u.array.len; i++) {
		const struct sg_json *s = sigs->u.array.items[i];
		const char *keyid = NULL, *sig = NULL;
		char where[48];
		snprintf(where, sizeof(where), "signatures[%zu]", i);
		if (s->kind != SG_JSON_OBJECT)
			return sg_fail("%s: %s is not an object", r->name, where);
		if (get_str(r, s, "keyid", where, &keyid) < 0 || get_str(r, s, "sig", where, &sig) < 0)
			return -1;
		for (size_t j = 0; j < i; j++) {
			const char *other = NULL;
			if (get_str(r, sigs->u.array.items[j], "keyid", where, &other) == 0 &&
			    !strcmp(other, keyid))
				return sg_fail("%s: two signatures by keyid %s", r->name, keyid);
		}
	}
	return 0;
}

int sg_tuf_meta_parse(const char *data, size_t len, enum sg_tuf_type t, const char *role,
		      const char *name, struct sg_tuf_meta *out)
{
	struct rd r = { .name = name };
	struct sg_json *doc = NULL;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	out->type = t;
	if (sg_json_parse_flags(data, len, SG_JSON_MODEL, &doc) < 0) {
		char msg[256];
		snprintf(msg, sizeof(msg), "%s", sg_errmsg());
		return sg_fail("%s: %s", name, msg);
	}
	if (doc->kind != SG_JSON_OBJECT || doc->u.object.len != 2 || !sg_json_get(doc, "signed") ||
	    !sg_json_get(doc, "signatures")) {
		sg_fail("%s: not {\"signed\": ..., \"signatures\": [...]}", name);
		goto out;
	}
	if (!(out->role = dup_or_fail(role)))
		goto out;
	const struct sg_json *s = member(&r, doc, "signed", SG_JSON_OBJECT, "the file");
	const struct sg_json *sigs = member(&r, doc, "signatures", SG_JSON_ARRAY, "the file");
	if (!s || !sigs || read_signatures(&r, sigs) < 0 || read_common(&r, s, t, out) < 0)
		goto out;
	switch (t) {
	case SG_TUF_ROOT: rc = read_root(&r, s, out); break;
	case SG_TUF_TIMESTAMP:
	case SG_TUF_SNAPSHOT: rc = read_meta(&r, s, out); break;
	case SG_TUF_TARGETS: rc = read_targets(&r, s, out); break;
	}
	if (rc < 0)
		goto out;
	/* keep the two members; the rest of the document goes */
	out->signed_obj = sg_json_clone(s);
	out->signatures = sg_json_clone(sigs);
	if (!out->signed_obj || !out->signatures)
		rc = -1;
out:
	sg_json_free(doc);
	if (rc < 0)
		sg_tuf_meta_free(out);
	return rc;
}

static void rolekeys_free(struct sg_tuf_rolekeys *rk)
{
	for (size_t i = 0; i < rk->n; i++)
		free(rk->keyids[i]);
	free(rk->keyids);
}

static void strings_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void sg_tuf_meta_free(struct sg_tuf_meta *m)
{
	free(m->role);
	sg_json_free(m->signed_obj);
	sg_json_free(m->signatures);
	for (size_t i = 0; i < m->nkeys; i++)
		free(m->keys[i].keyid);
	free(m->keys);
	for (int t = 0; t < 4; t++)
		rolekeys_free(&m->roles[t]);
	for (size_t i = 0; i < m->nmeta; i++)
		free(m->meta[i].name);
	free(m->meta);
	for (size_t i = 0; i < m->ntargets; i++) {
		free(m->targets[i].path);
		sg_json_free(m->targets[i].custom);
	}
	free(m->targets);
	for (size_t i = 0; i < m->ndelegations; i++) {
		struct sg_tuf_delegation *d = &m->delegations[i];
		free(d->name);
		rolekeys_free(&d->keys);
		strings_free(d->paths, d->npaths);
		strings_free(d->prefixes, d->nprefixes);
	}
	free(m->delegations);
	memset(m, 0, sizeof(*m));
}

/* --- signatures ------------------------------------------------------------ */

static const struct sg_tuf_key *key_by_id(const struct sg_tuf_key *keys, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(keys[i].keyid, id))
			return &keys[i];
	return NULL;
}

/* The signature m carries by keyid, decoded; 0 when there is none. */
static int signature_by(const struct sg_tuf_meta *m, const char *keyid, uint8_t sig[64])
{
	const struct sg_json *sigs = m->signatures;
	for (size_t i = 0; i < sigs->u.array.len; i++) {
		const struct sg_json *s = sigs->u.array.items[i];
		const char *id = sg_json_string(sg_json_get(s, "keyid"), NULL);
		size_t len, n;
		const char *hex = sg_json_string(sg_json_get(s, "sig"), &len);
		if (!id || !hex || strcmp(id, keyid))
			continue;
		return len == 128 && sg_hex_decode(hex, len, sig, 64, &n) == 0 && n == 64;
	}
	return 0;
}

int sg_tuf_meta_verify(const struct sg_tuf_meta *m, const struct sg_tuf_key *keys, size_t nkeys,
		       const struct sg_tuf_rolekeys *rk, const char *name)
{
	struct sg_buf canon = { 0 };
	const uint8_t **counted = NULL;
	size_t good = 0;
	int rc = -1;

	if (sg_json_canonical(m->signed_obj, &canon) < 0)
		return -1;
	if (rk->n && !(counted = calloc(rk->n, sizeof(*counted)))) {
		sg_fail("out of memory");
		goto out;
	}
	for (size_t i = 0; i < rk->n; i++) {
		const struct sg_tuf_key *k = key_by_id(keys, nkeys, rk->keyids[i]);
		uint8_t sig[64];
		int dup = 0;
		if (!k || !k->usable || !signature_by(m, k->keyid, sig))
			continue;
		for (size_t j = 0; j < good; j++)
			dup |= !memcmp(counted[j], k->pub, 32);
		if (dup || sg_ed25519_verify(k->pub, canon.data, canon.len, sig) != 0)
			continue;
		counted[good++] = k->pub;
	}
	if (good >= rk->threshold)
		rc = 0;
	else
		sg_fail("%s: signed by %zu of the %llu keys it needs of %s's %zu", name, good,
			(unsigned long long)rk->threshold, m->role, rk->n);
out:
	free(counted);
	sg_buf_free(&canon);
	return rc;
}

const struct sg_tuf_metafile *sg_tuf_meta_file(const struct sg_tuf_meta *m, const char *name)
{
	for (size_t i = 0; i < m->nmeta; i++)
		if (!strcmp(m->meta[i].name, name))
			return &m->meta[i];
	return NULL;
}

const struct sg_tuf_target *sg_tuf_meta_target(const struct sg_tuf_meta *m, const char *path)
{
	for (size_t i = 0; i < m->ntargets; i++)
		if (!strcmp(m->targets[i].path, path))
			return &m->targets[i];
	return NULL;
}

int sg_tuf_delegation_matches(const struct sg_tuf_delegation *d, const char *path)
{
	for (size_t i = 0; i < d->npaths; i++)
		if (fnmatch(d->paths[i], path, FNM_PATHNAME) == 0)
			return 1;
	if (!d->nprefixes)
		return 0;
	uint8_t sum[SG_SHA256_LEN];
	char hex[2 * SG_SHA256_LEN + 1];
	if (sg_sha256(path, strlen(path), sum) < 0)
		return 0;
	sg_hex_encode(sum, sizeof(sum), hex, SG_HEX_LOWER);
	for (size_t i = 0; i < d->nprefixes; i++)
		if (!strncmp(hex, d->prefixes[i], strlen(d->prefixes[i])))
			return 1;
	return 0;
}

/* --- writing ------------------------------------------------------------------- */

struct sg_json *sg_tuf_key_object(const uint8_t pub[32])
{
	char hex[65];
	struct sg_json *k = sg_json_new_object(), *kv = sg_json_new_object();

	sg_hex_encode(pub, 32, hex, SG_HEX_LOWER);
	if (!k || !kv || sg_json_set(kv, "public", sg_json_new_string(hex)) < 0 ||
	    sg_json_set(k, "keytype", sg_json_new_string("ed25519")) < 0 ||
	    sg_json_set(k, "scheme", sg_json_new_string("ed25519")) < 0 ||
	    sg_json_set(k, "keyval", kv) < 0) {
		if (!k)
			sg_json_free(kv);
		sg_json_free(k);
		return NULL;
	}
	return k;
}

int sg_tuf_keyid(const uint8_t pub[32], char out[SG_TUF_KEYID_LEN + 1])
{
	struct sg_json *k = sg_tuf_key_object(pub);
	struct sg_buf canon = { 0 };
	uint8_t sum[SG_SHA256_LEN];
	int rc = -1;

	if (k && sg_json_canonical(k, &canon) == 0 && sg_sha256(canon.data, canon.len, sum) == 0) {
		sg_hex_encode(sum, sizeof(sum), out, SG_HEX_LOWER);
		rc = 0;
	}
	sg_json_free(k);
	sg_buf_free(&canon);
	return rc;
}

struct sg_json *sg_tuf_signed_new(enum sg_tuf_type t, uint64_t version, time_t expires)
{
	char when[SG_TIME_LEN + 1];
	struct sg_json *s = sg_json_new_object();

	if (!s || sg_time_format(expires, when) < 0 ||
	    sg_json_set(s, "_type", sg_json_new_string(type_names[t])) < 0 ||
	    sg_json_set(s, "spec_version", sg_json_new_string(SG_TUF_SPEC_VERSION)) < 0 ||
	    sg_json_set(s, "version", sg_json_new_int((int64_t)version)) < 0 ||
	    sg_json_set(s, "expires", sg_json_new_string(when)) < 0) {
		sg_json_free(s);
		return NULL;
	}
	return s;
}

static int one_signature(const struct sg_tuf_signer *k, const struct sg_buf *canon,
			 struct sg_json *sigs)
{
	char keyid[SG_TUF_KEYID_LEN + 1], hex[129];
	uint8_t sig[64];
	struct sg_json *s = sg_json_new_object();

	if (!s || sg_tuf_keyid(k->pub, keyid) < 0 ||
	    sg_ed25519_sign(k->seed, canon->data, canon->len, sig) < 0) {
		sg_json_free(s);
		return -1;
	}
	sg_hex_encode(sig, sizeof(sig), hex, SG_HEX_LOWER);
	if (sg_json_set(s, "keyid", sg_json_new_string(keyid)) < 0 ||
	    sg_json_set(s, "sig", sg_json_new_string(hex)) < 0) {
		sg_json_free(s);
		return -1;
	}
	/* sorted by keyid, so one document has one file */
	size_t at = sigs->u.array.len;
	while (at > 0 &&
	       strcmp(sg_json_string(sg_json_get(sigs->u.array.items[at - 1], "keyid"), NULL),
		      keyid) > 0)
		at--;
	if (sg_json_append(sigs, s) < 0)
		return -1;
	memmove(&sigs->u.array.items[at + 1], &sigs->u.array.items[at],
		(sigs->u.array.len - 1 - at) * sizeof(*sigs->u.array.items));
	sigs->u.array.items[at] = s;
	return 0;
}

int sg_tuf_sign(const struct sg_json *signed_obj, const struct sg_tuf_signer *signers, size_t n,
		struct sg_buf *out)
{
	struct sg_buf canon = { 0 };
	struct sg_json *doc = sg_json_new_object(), *sigs = sg_json_new_array();
	int rc = -1;

	if (!doc || !sigs) {
		sg_json_free(sigs);
		goto out;
	}
	if (sg_json_canonical(signed_obj, &canon) < 0) {
		sg_json_free(sigs);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		if (one_signature(&signers[i], &canon, sigs) < 0) {
			sg_json_free(sigs);
			goto out;
		}
	if (sg_json_set(doc, "signatures", sigs) < 0 ||
	    sg_json_set(doc, "signed", sg_json_clone(signed_obj)) < 0 ||
	    sg_json_canonical(doc, out) < 0 || sg_buf_append(out, "\n", 1) < 0)
		goto out;
	rc = 0;
out:
	sg_json_free(doc);
	sg_buf_free(&canon);
	return rc;
}
