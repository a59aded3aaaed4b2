/* The runtime configuration from an image config (runtime.h) on any
 * text: what it makes has at least one argument, the first not empty,
 * an env of NAME=VALUE entries, an absolute cwd, and reads back as JSON
 * (the same bytes a second time); what it refuses has one error line
 * naming the document. The first byte picks the options; a NUL after
 * the config starts the image's /etc/passwd, a second its /etc/group,
 * against which User then resolves. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "json.h"
#include "runtime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_spec(const struct sg_json *spec)
{
	const struct sg_json *p = sg_json_get(spec, "process");
	const struct sg_json *args = sg_json_get(p, "args"), *env = sg_json_get(p, "env");
	const char *cwd = sg_json_string(sg_json_get(p, "cwd"), NULL);

	if (!args || args->kind != SG_JSON_ARRAY || args->u.array.len == 0 ||
	    args->u.array.items[0]->u.string.len == 0)
		abort();
	if (!env || env->kind != SG_JSON_ARRAY)
		abort();
	for (size_t i = 0; i < env->u.array.len; i++) {
		const char *e = sg_json_string(env->u.array.items[i], NULL);
		if (!e || !strchr(e, '=') || e[0] == '=')
			abort();
	}
	if (!cwd || cwd[0] != '/')
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sg_oci_runtime_opts o = { NULL, 0, NULL };
	struct sg_oci_users db;
	const char *nul, *nul2;
	size_t len;
	struct sg_json *spec = NULL, *back = NULL;
	struct sg_buf a = SG_BUF_INIT, b = SG_BUF_INIT;
	const char *text = (const char *)data + 1;

	if (size < 1)
		return 0;
	o.host_network = data[0] & 1;
	o.hostname = data[0] & 2 ? "web-1" : NULL;
	len = size - 1;
	memset(&db, 0, sizeof(db));
	if ((nul = memchr(text, '\0', len))) {
		size_t rest = len - (size_t)(nul + 1 - text);
		nul2 = memchr(nul + 1, '\0', rest);
		if (sg_buf_append(&db.passwd, nul + 1, nul2 ? (size_t)(nul2 - nul - 1) : rest) < 0 ||
		    (nul2 && sg_buf_append(&db.group, nul2 + 1, rest - (size_t)(nul2 - nul)) < 0))
			abort();
		len = (size_t)(nul - text);
		o.users = &db;
	}
	if (sg_oci_runtime_config("c.json", text, len, &o, &spec) < 0) {
		if (strchr(sg_errmsg(), '\n') || strncmp(sg_errmsg(), "c.json: ", 8) != 0)
			abort();
		sg_oci_users_free(&db);
		return 0;
	}
	check_spec(spec);
	if (sg_json_write(spec, &a, 2) < 0 || sg_json_parse((char *)a.data, a.len, &back) < 0)
		abort();
	if (sg_oci_runtime_config_text("c.json", text, len, &o, &b) < 0 || b.len != a.len + 1 ||
	    memcmp(a.data, b.data, a.len) != 0)
		abort();
	sg_json_free(back);
	sg_json_free(spec);
	sg_buf_free(&a);
	sg_buf_free(&b);
	sg_oci_users_free(&db);
	return 0;
}
