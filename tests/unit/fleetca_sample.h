/* fleetca_sample.h - the example-like fleet of the CA, DNS and web
 * tests, web1's age recipient replaceable by one the test holds the
 * identity of, and the helpers they share: formatting, running a peer,
 * making a producer's jobs into a directory, and reading a sealed key
 * back with signet's own sops layer. */
#ifndef SIGNET_TEST_FLEETCA_SAMPLE_H
#define SIGNET_TEST_FLEETCA_SAMPLE_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "age.h"
#include "check.h"
#include "runcmd.h"
#include "err.h"
#include "fileio.h"
#include "fleetdoc.h"
#include "fleetjob.h"
#include "path.h"
#include "sops.h"

#define SSH "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPqQB82iN6bislc3tE1Qq6LAKLXkkQS09CzOJuS9QPMe"
#define AGE "age1qrkrul4wl0yqyr3llh3x20sz86nthp89vc3t7msfs7wnjlehmces7aut7q"

static const char *const base_names[] = {
	"fleet.yaml",	     "fleet.lock",	     "hosts/app1.yaml",	  "hosts/authority.yaml",
	"hosts/ns1.yaml",    "hosts/res1.yaml",	     "hosts/web1.yaml",	  "services/ca.yaml",
	"services/dns.yaml", "services/status.yaml", "services/www.yaml",
};
static const char *const base_docs[] = {
	"version: \"0.1\"\n"
	"organisation: Example Water Utility\n"
	"authority:\n"
	"  domain_id: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"
	"ca:\n"
	"  name: Example Water Utility\n"
	"  permit_dns: [example.internal]\n"
	"  permit_ip: [127.10.0.0/24]\n"
	"dns:\n"
	"  zones: [example.internal]\n"
	"  hosts: example.internal\n"
	"release:\n"
	"  channel: stable\n"
	"  mirrors: [\"https://bubo.example.internal/releases/\"]\n",
	"version: \"0.1\"\ninputs: {}\n",
	"version: \"0.1\"\n"
	"host: app1\n"
	"roles: [app]\n"
	"addresses: [127.10.0.101]\n"
	"ssh_host_key: " SSH "\n"
	"console:\n"
	"  prompt_seconds: 2\n",
	"version: \"0.1\"\nhost: authority\nroles: [authority]\n",
	"version: \"0.1\"\n"
	"host: ns1\n"
	"roles: [dns-authoritative, dns-resolver]\n"
	"addresses: [127.10.0.53]\n"
	"ssh_host_key: " SSH "\n",
	"version: \"0.1\"\n"
	"host: res1\n"
	"roles: [dns-resolver]\n"
	"addresses: [127.10.0.54]\n"
	"ssh_host_key: " SSH "\n",
	"version: \"0.1\"\n"
	"host: web1\n"
	"roles: [ca, web]\n"
	"addresses: [127.10.0.80, \"fd00::80\"]\n"
	"ssh_host_key: " SSH "\n"
	"age_recipient: " AGE "\n",
	"version: \"0.1\"\nservice: ca\nkind: ca\nhosts: [web1]\nnames: [ca.example.internal]\n",
	"version: \"0.1\"\nservice: dns\nkind: dns\nhosts: [ns1]\nzones: [\".\", example.internal]\n",
	"version: \"0.1\"\nservice: status\nkind: web\nhosts: [web1]\n"
	"names: [status.example.internal]\nupstream: http://127.10.0.101:8080\n"
	"client_certificates: optional\n",
	("version: \"0.1\"\nservice: www\nkind: web\nhosts: [web1]\nnames: [www.example.internal]\n"
	 "root: /srv/www\nclient_certificates: required\n"),
};
#define NBASE (sizeof(base_names) / sizeof(base_names[0]))

/* The base fleet with web1's recipient replaced by rcpt and doc's from
 * replaced by to (doc NULL: no other edit). */
static int parse_fleet(const char *rcpt, const char *doc, const char *from, const char *to,
		       struct sg_fleet *f)
{
	const char *docs[NBASE];
	size_t lens[NBASE];
	struct sg_buf diag = SG_BUF_INIT;
	char *edited[NBASE] = { 0 };
	int rc;

	for (size_t i = 0; i < NBASE; i++) {
		const char *d = base_docs[i];
		const char *pairs[2][3] = { { "hosts/web1.yaml", AGE, rcpt }, { doc, from, to } };
		for (size_t p = 0; p < 2; p++) {
			const char *at;
			if (!pairs[p][0] || strcmp(pairs[p][0], base_names[i]) || !pairs[p][2] ||
			    !(at = strstr(d, pairs[p][1])))
				continue;
			size_t pre = (size_t)(at - d);
			char *e = malloc(strlen(d) + strlen(pairs[p][2]) + 1);
			memcpy(e, d, pre);
			strcpy(e + pre, pairs[p][2]);
			strcat(e, at + strlen(pairs[p][1]));
			free(edited[i]);
			d = edited[i] = e;
		}
		docs[i] = d;
		lens[i] = strlen(d);
	}
	rc = sg_fleet_parse(base_names, docs, lens, NBASE, f, &diag);
	if (rc < 0)
		fprintf(stderr, "%.*s", (int)diag.len, (const char *)diag.data);
	sg_buf_free(&diag);
	for (size_t i = 0; i < NBASE; i++)
		free(edited[i]);
	return rc;
}

static void tfmt(char *out, size_t cap, const char *f, ...) __attribute__((format(printf, 3, 4)));
static void tfmt(char *out, size_t cap, const char *f, ...)
{
	va_list ap;
	int n;

	va_start(ap, f);
	n = vsnprintf(out, cap, f, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= cap)
		abort();
}

static int mkdir_p(const char *path)
{
	char cmd[1024];

	tfmt(cmd, sizeof(cmd), "mkdir -p '%s'", path);
	return system(cmd);
}

/* Every job produce gives for each host of f, made twice (the same
 * inputs must give the same bytes) into dir/<path>; "KIND PATH" a line
 * into paths. */
__attribute__((unused)) static int make_jobs(const struct sg_fleet_ctx *c,
					     sg_fleet_producer_fn *produce, const char *dir,
					     struct sg_buf *paths)
{
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < c->f->nhosts; i++) {
		struct sg_fleet_jobs jobs = { 0 };
		if (produce(c, &c->f->hosts[i], &jobs) < 0) {
			fprintf(stderr, "  jobs of %s: %s\n", c->f->hosts[i].name, sg_errmsg());
			rc = -1;
		}
		for (size_t k = 0; rc == 0 && k < jobs.n; k++) {
			struct sg_buf a = SG_BUF_INIT, b = SG_BUF_INIT;
			char path[SG_PATH_MAX], parent[SG_PATH_MAX];
			CHECK(jobs.v[k].make != NULL);
			if (jobs.v[k].make(jobs.v[k].inputs, &a) < 0 ||
			    jobs.v[k].make(jobs.v[k].inputs, &b) < 0) {
				fprintf(stderr, "  make %s: %s\n", jobs.v[k].path, sg_errmsg());
				rc = -1;
			} else {
				CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
				sg_path_join(path, sizeof(path), dir, jobs.v[k].path);
				tfmt(parent, sizeof(parent), "%s", path);
				*strrchr(parent, '/') = '\0';
				if (mkdir_p(parent) != 0 ||
				    sg_write_file_atomic(path, a.data, a.len, 0644, 0) < 0)
					rc = -1;
				sg_buf_printf(paths, "%s %s\n", jobs.v[k].kind, jobs.v[k].path);
			}
			sg_buf_free(&a);
			sg_buf_free(&b);
		}
		sg_fleet_jobs_free(&jobs);
	}
	return rc;
}

/* A fresh age identity: its recipient text into rcpt (100 bytes), the
 * identity into ids, its text into idtext. */
__attribute__((unused)) static int test_identity(char *rcpt, struct sg_age_identities *ids,
						 struct sg_buf *idtext)
{
	struct sg_age_identity id;
	struct sg_buf pub = SG_BUF_INIT;
	int rc = -1;

	if (sg_age_identity_generate(&id) == 0 && sg_age_identity_encode(&id, idtext) == 0 &&
	    sg_age_identities_parse(ids, "id", (const char *)idtext->data, idtext->len) == 0 &&
	    sg_age_recipient_encode(id.public, &pub) == 0 && pub.len < 100) {
		memcpy(rcpt, pub.data, pub.len);
		rcpt[pub.len] = '\0';
		rc = 0;
	}
	memset(&id, 0, sizeof(id));
	sg_buf_free(&pub);
	return rc;
}

/* The tls_key of the SOPS file at path, decrypted with ids, into out. */
__attribute__((unused)) static int unseal_key(const char *path, const struct sg_age_identities *ids,
					      struct sg_buf *out)
{
	struct sg_buf text = SG_BUF_INIT;
	struct sg_sops_node *doc = NULL;
	const struct sg_sops_node *v;
	struct sg_sops_meta meta;
	uint8_t key[SG_SOPS_KEY_LEN];
	int rc = -1;

	memset(&meta, 0, sizeof(meta));
	if (sg_read_file(path, &text, 1u << 20) == 0 &&
	    sg_sops_read_encrypted(SG_SOPS_YAML, path, (const char *)text.data, text.len, &doc,
				   &meta) == 0 &&
	    sg_sops_unwrap_key(&meta, ids, key) == 0 && sg_sops_decrypt(doc, &meta, key) == 0 &&
	    (v = sg_sops_extract(doc, "[\"tls_key\"]")) && v->kind == SG_SOPS_STR &&
	    sg_buf_append(out, v->str, v->len) == 0)
		rc = 0;
	if (rc < 0)
		fprintf(stderr, "  unseal %s: %s\n", path, sg_errmsg());
	memset(key, 0, sizeof(key));
	sg_sops_wipe(doc);
	sg_sops_meta_free(&meta);
	sg_buf_free(&text);
	return rc;
}

#endif
