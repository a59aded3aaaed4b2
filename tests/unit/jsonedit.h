/* jsonedit.h - the mutation the authority's table tests apply to a good
 * document: one member, named by a dotted path ("admission.target"), set
 * to a JSON text or removed.
 */
#ifndef SIGNET_TEST_JSONEDIT_H
#define SIGNET_TEST_JSONEDIT_H

#include <stdio.h>
#include <string.h>

#include "err.h"
#include "json.h"

/* Sets (json) or removes (json NULL) the member at path; -1 when a
 * member on the way or the one removed is missing, or json does not
 * parse (said on stderr). */
static inline int json_edit(struct sg_json *root, const char *path, const char *json)
{
	char buf[256], *dot, *key = buf;
	struct sg_json *o = root, *v = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	while ((dot = strchr(key, '.'))) {
		*dot = 0;
		if (!(o = sg_json_get(o, key)))
			return -1;
		key = dot + 1;
	}
	if (!json)
		return sg_json_remove(o, key) == 1 ? 0 : -1;
	if (sg_json_parse_flags(json, strlen(json), SG_JSON_MODEL, &v) < 0) {
		fprintf(stderr, "parse %s: %s\n", json, sg_errmsg());
		return -1;
	}
	return sg_json_set(o, key, v);
}

#endif
