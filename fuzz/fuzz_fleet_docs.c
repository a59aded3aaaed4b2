/* fuzz_fleet_docs.c - the fleet's document reader (fleetdoc.h) on a
 * whole repository of arbitrary documents.
 *
 * The input is a list of documents, each "NAME\nTEXT" and ended by a
 * NUL byte (corpus/fleet_docs/ holds the example fleet in that form).
 * Whatever the reader accepts must hold the rules across documents:
 * hosts and services sorted by unique names, no address on two hosts,
 * every service on hosts that exist; whatever it refuses must be
 * explained by lines that each start "FILE:LINE: " with FILE one of
 * the names given, the first of them the error. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fleetdoc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_DOCS 16

static void check_accepted(const struct sg_fleet *f)
{
	for (size_t i = 1; i < f->nhosts; i++)
		if (strcmp(f->hosts[i - 1].name, f->hosts[i].name) >= 0)
			abort();
	for (size_t i = 1; i < f->nservices; i++)
		if (strcmp(f->services[i - 1].name, f->services[i].name) >= 0)
			abort();
	for (size_t i = 0; i < f->nhosts; i++)
		for (size_t j = 0; j < i; j++)
			for (size_t a = 0; a < f->hosts[i].naddrs; a++)
				for (size_t b = 0; b < f->hosts[j].naddrs; b++)
					if (f->hosts[i].addrs[a].family ==
						    f->hosts[j].addrs[b].family &&
					    !memcmp(f->hosts[i].addrs[a].bytes,
						    f->hosts[j].addrs[b].bytes, 16))
						abort();
	for (size_t i = 0; i < f->nservices; i++)
		for (size_t k = 0; k < f->services[i].hosts.n; k++)
			if (!sg_fleet_host(f, f->services[i].hosts.v[k]))
				abort();
}

static void check_refused(const struct sg_buf *diag, char *const *names, size_t n)
{
	const char *d = (const char *)diag->data, *end = d + diag->len;

	if (!diag->len || strncmp(sg_errmsg(), d, strcspn(d, "\n")) != 0)
		abort();
	while (d < end) {
		const char *nl = memchr(d, '\n', (size_t)(end - d));
		int known = !strncmp(d, "fleet.yaml:", 11) || !strncmp(d, "fleet.lock:", 11);
		for (size_t i = 0; i < n; i++)
			known |= !strncmp(d, names[i], strlen(names[i])) &&
				 d[strlen(names[i])] == ':';
		if (!nl || !known)
			abort();
		d = nl + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *names[MAX_DOCS], *copy = malloc(size + 1);
	const char *docs[MAX_DOCS];
	size_t lens[MAX_DOCS], n = 0, pos = 0;
	struct sg_buf diag = SG_BUF_INIT;
	struct sg_fleet f;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	while (pos < size && n < MAX_DOCS) {
		char *doc = copy + pos, *nl = strchr(doc, '\n');
		size_t len = strlen(doc);
		if (!nl)
			break;
		*nl = '\0';
		names[n] = doc;
		docs[n] = nl + 1;
		lens[n++] = len - (size_t)(nl + 1 - doc);
		pos += len + 1;
	}
	if (sg_fleet_parse((const char *const *)names, docs, lens, n, &f, &diag) == 0)
		check_accepted(&f);
	else if (diag.len)
		check_refused(&diag, names, n);
	sg_fleet_free(&f);
	sg_buf_free(&diag);
	free(copy);
	return 0;
}
