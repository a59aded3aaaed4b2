/* sopsdump.h - what the SOPS tree tests compare: a tree as one line of
 * text, and a buffer against the text expected (the difference printed).
 *
 * The line: ~ null, T/F, iN integer, fN float (as Go's 'g' formats it),
 * "s" string, {k=v ...} map, [v ...] list, (#c) comment, (!#c) a comment
 * that stood after its entry on the same line.
 */
#ifndef SIGNET_TEST_SOPSDUMP_H
#define SIGNET_TEST_SOPSDUMP_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "sopsdoc.h"

static inline int dump(struct sg_buf *o, const struct sg_sops_node *n)
{
	char num[400];
	int rc = 0;

	switch (n->kind) {
	case SG_SOPS_NULL: return sg_buf_append_str(o, "~");
	case SG_SOPS_BOOL: return sg_buf_append_str(o, n->boolean ? "T" : "F");
	case SG_SOPS_INT: return sg_buf_printf(o, "i%" PRId64, n->integer);
	case SG_SOPS_FLOAT:
		sg_go_format_float_g(n->number, num);
		return sg_buf_printf(o, "f%s", num);
	case SG_SOPS_STR:
		return sg_buf_append_byte(o, '"') || sg_buf_append(o, n->str, n->len) ||
		       sg_buf_append_byte(o, '"');
	case SG_SOPS_COMMENT:
		return sg_buf_append_str(o, n->inline_comment ? "(!#" : "(#") ||
		       sg_buf_append(o, n->str, n->len) || sg_buf_append_byte(o, ')');
	case SG_SOPS_MAP:
	case SG_SOPS_LIST:
		rc = sg_buf_append_byte(o, n->kind == SG_SOPS_MAP ? '{' : '[');
		for (size_t i = 0; i < n->n && rc == 0; i++) {
			if (i)
				rc = sg_buf_append_byte(o, ' ');
			if (rc == 0 && n->items[i].key)
				rc = sg_buf_append(o, n->items[i].key, n->items[i].key_len) ||
				     sg_buf_append_byte(o, '=');
			if (rc == 0)
				rc = dump(o, n->items[i].value);
		}
		return rc || sg_buf_append_byte(o, n->kind == SG_SOPS_MAP ? '}' : ']');
	}
	return -1;
}

/* b holds exactly the text t. */
static inline int same(const struct sg_buf *b, const char *t)
{
	size_t n = strlen(t);
	int ok = b->len == n && (n == 0 || memcmp(b->data, t, n) == 0);

	if (!ok) {
		fprintf(stderr, "  got:  [%.*s]\n  want: [%s]\n", (int)b->len,
			b->data ? (const char *)b->data : "", t);
	}
	return ok;
}

#endif
