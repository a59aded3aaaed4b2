#include "fleetweb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "json.h"
#include "path.h"

#define STATE_MAX (1u << 20)

static int strs_has(const struct sg_fleet_strs *s, const char *v)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], v))
			return 1;
	return 0;
}

static int serves(const struct sg_fleet_service *s, const struct sg_fleet_host *h)
{
	return (s->kind == SG_FLEET_SVC_WEB || s->kind == SG_FLEET_SVC_CA) &&
	       strs_has(&s->hosts, h->name);
}

/* --- make --- */

static const char *jstr(const struct sg_json *o, const char *key)
{
	return sg_json_string(sg_json_get(o, key), NULL);
}

static size_t jlen(const struct sg_json *a)
{
	return a && a->kind == SG_JSON_ARRAY ? a->u.array.len : 0;
}

static const struct sg_json *jat(const struct sg_json *a, size_t i)
{
	return a->u.array.items[i];
}

/* A word nginx reads as one token, unquoted: no space, quote, brace,
 * semicolon, '$' (a variable) or '#'. */
static int word(const char *what, const char *s)
{
	if (!s || !*s || strpbrk(s, " \t\r\n\"'{};$#\\"))
		return sg_fail("nginx.conf: %s: not a value the configuration can carry", what);
	return 0;
}

static int listen_lines(const struct sg_json *addrs, int64_t port, struct sg_buf *out)
{
	for (size_t i = 0; i < jlen(addrs); i++) {
		const char *a = sg_json_string(jat(addrs, i), NULL);
		if (word("address", a) < 0)
			return -1;
		if (sg_buf_printf(out,
				  strchr(a, ':') ? "\t\tlisten [%s]:%lld ssl;\n"
						 : "\t\tlisten %s:%lld ssl;\n",
				  a, (long long)port) < 0)
			return -1;
	}
	return 0;
}

static int server_block(const struct sg_json *addrs, const struct sg_json *s, struct sg_buf *out)
{
	const struct sg_json *names = sg_json_get(s, "names"), *port = sg_json_get(s, "port");
	const char *svc = jstr(s, "service"), *kind = jstr(s, "kind"), *clients = jstr(s, "clients");
	int rc;

	if (word("service", svc) < 0 || word("kind", kind) < 0 || word("clients", clients) < 0 ||
	    !port || port->kind != SG_JSON_INT || jlen(names) == 0)
		return sg_fail("nginx.conf job: bad inputs");
	rc = sg_buf_printf(out, "\n\t# service %s\n\tserver {\n", svc);
	if (rc == 0)
		rc = listen_lines(addrs, port->u.integer, out);
	if (rc == 0)
		rc = sg_buf_append_str(out, "\t\tserver_name");
	for (size_t i = 0; rc == 0 && i < jlen(names); i++) {
		const char *n = sg_json_string(jat(names, i), NULL);
		rc = word("name", n) < 0 ? -1 : sg_buf_printf(out, " %s", n);
	}
	if (rc == 0)
		rc = sg_buf_printf(out,
				   ";\n"
				   "\t\tssl_certificate tls/%s.crt;\n"
				   "\t\tssl_certificate_key keys/%s.key;\n",
				   svc, svc);
	if (rc == 0 && strcmp(clients, "none"))
		rc = sg_buf_printf(out,
				   "\t\tssl_client_certificate tls/ca.pem;\n"
				   "\t\tssl_crl tls/crl.pem;\n"
				   "\t\tssl_verify_client %s;\n"
				   "\t\tssl_verify_depth 1;\n",
				   !strcmp(clients, "required") ? "on" : "optional");
	if (rc < 0)
		return -1;
	if (!strcmp(kind, "static")) {
		const char *root = jstr(s, "root");
		if (word("root", root) < 0)
			return -1;
		rc = sg_buf_printf(out, "\t\tlocation / {\n\t\t\troot %s;\n\t\t}\n", root);
	} else if (!strcmp(kind, "upstream")) {
		const char *up = jstr(s, "upstream");
		if (word("upstream", up) < 0)
			return -1;
		rc = sg_buf_printf(out,
				   "\t\tlocation / {\n"
				   "\t\t\tproxy_pass %s;\n"
				   "\t\t\tproxy_set_header Host $host;\n"
				   "\t\t\tproxy_set_header X-Forwarded-Proto https;\n"
				   "\t\t\tproxy_set_header X-Client-Verify $ssl_client_verify;\n"
				   "\t\t\tproxy_set_header X-Client-DN $ssl_client_s_dn;\n"
				   "\t\t}\n",
				   up);
	} else if (!strcmp(kind, "ca")) {
		rc = sg_buf_append_str(out, "\t\tlocation = /ca.pem {\n"
					    "\t\t\tdefault_type application/x-pem-file;\n"
					    "\t\t\talias tls/ca.pem;\n"
					    "\t\t}\n"
					    "\t\tlocation = /crl.pem {\n"
					    "\t\t\tdefault_type application/x-pem-file;\n"
					    "\t\t\talias tls/crl.pem;\n"
					    "\t\t}\n"
					    "\t\tlocation / {\n"
					    "\t\t\treturn 404;\n"
					    "\t\t}\n");
	} else {
		return sg_fail("nginx.conf job: service %s: kind '%s'", svc, kind);
	}
	return rc < 0 ? -1 : sg_buf_append_str(out, "\t}\n");
}

static int make_nginx_conf(const struct sg_json *in, struct sg_buf *out)
{
	const struct sg_json *addrs = sg_json_get(in, "addresses"),
			     *servers = sg_json_get(in, "servers");
	const char *host = jstr(in, "host");
	int rc;

	if (word("host", host) < 0 || jlen(addrs) == 0 || jlen(servers) == 0)
		return sg_fail("nginx.conf job: bad inputs");
	rc = sg_buf_printf(out,
			   "# nginx on %s: the fleet's web and CA services (signet fleet).\n"
			   "# Every path is relative to this directory (DIR); run as\n"
			   "#   nginx -e stderr -p DIR -c DIR/nginx.conf\n"
			   "# after decrypting each secrets/<service>.key.sops.yaml into\n"
			   "# keys/<service>.key with the host's age identity.\n"
			   "worker_processes 1;\n"
			   "pid nginx.pid;\n"
			   "error_log stderr warn;\n"
			   "\n"
			   "events {\n"
			   "\tworker_connections 512;\n"
			   "}\n"
			   "\n"
			   "http {\n"
			   "\taccess_log off;\n"
			   "\tclient_body_temp_path client_body_temp;\n"
			   "\tproxy_temp_path proxy_temp;\n"
			   "\tfastcgi_temp_path fastcgi_temp;\n"
			   "\tuwsgi_temp_path uwsgi_temp;\n"
			   "\tscgi_temp_path scgi_temp;\n"
			   "\tserver_tokens off;\n"
			   "\ttypes {\n"
			   "\t\ttext/html html htm;\n"
			   "\t\ttext/css css;\n"
			   "\t\ttext/plain txt;\n"
			   "\t\tapplication/javascript js;\n"
			   "\t\tapplication/json json;\n"
			   "\t\timage/png png;\n"
			   "\t\timage/svg+xml svg;\n"
			   "\t}\n"
			   "\tdefault_type application/octet-stream;\n"
			   "\tssl_protocols TLSv1.2 TLSv1.3;\n"
			   "\tssl_prefer_server_ciphers off;\n"
			   "\tssl_session_tickets off;\n",
			   host);
	for (size_t i = 0; rc == 0 && i < jlen(servers); i++)
		rc = server_block(addrs, jat(servers, i), out);
	return rc < 0 ? -1 : sg_buf_append_str(out, "}\n");
}

/* A state file, as state/ holds it. */
static int make_copy(const struct sg_json *in, struct sg_buf *out)
{
	size_t len;
	const char *text = sg_json_string(sg_json_get(in, "content"), &len);

	if (!text)
		return sg_fail("copy job: no content");
	return sg_buf_append(out, text, len);
}

/* --- jobs --- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static struct sg_json *sorted_names(const struct sg_fleet_service *s)
{
	const char *v[SG_FLEET_MAX_LIST];
	struct sg_json *a = sg_json_new_array();

	for (size_t i = 0; i < s->names.n; i++)
		v[i] = s->names.v[i];
	qsort(v, s->names.n, sizeof(v[0]), cmp_str);
	for (size_t i = 0; a && i < s->names.n; i++)
		if (sg_json_append(a, sg_json_new_string(v[i])) < 0) {
			sg_json_free(a);
			return NULL;
		}
	return a;
}

static const char *clients_name(enum sg_fleet_clients c)
{
	return c == SG_FLEET_CLIENTS_REQUIRED	? "required"
	       : c == SG_FLEET_CLIENTS_OPTIONAL ? "optional"
						: "none";
}

static struct sg_json *server_inputs(const struct sg_fleet_service *s)
{
	struct sg_json *o = sg_json_new_object();
	const char *kind = s->kind == SG_FLEET_SVC_CA ? "ca" : s->root ? "static" : "upstream";

	if (!o || sg_json_set(o, "service", sg_json_new_string(s->name)) < 0 ||
	    sg_json_set(o, "kind", sg_json_new_string(kind)) < 0 ||
	    sg_json_set(o, "names", sorted_names(s)) < 0 ||
	    sg_json_set(o, "port", sg_json_new_int(s->port)) < 0 ||
	    sg_json_set(o, "clients", sg_json_new_string(clients_name(s->clients))) < 0)
		goto fail;
	if (s->kind == SG_FLEET_SVC_WEB && s->root &&
	    sg_json_set(o, "root", sg_json_new_string(s->root)) < 0)
		goto fail;
	if (s->kind == SG_FLEET_SVC_WEB && !s->root &&
	    sg_json_set(o, "upstream", sg_json_new_string(s->upstream ? s->upstream : "")) < 0)
		goto fail;
	return o;
fail:
	sg_json_free(o);
	return NULL;
}

/* A job copying REPO/state/<rel> to DIR/<to>. */
static int copy_job(const struct sg_fleet_ctx *c, const struct sg_fleet_host *h, const char *kind,
		    const char *rel, const char *to, struct sg_fleet_jobs *jobs)
{
	struct sg_buf b = SG_BUF_INIT;
	struct sg_json *in;
	int have = sg_fleet_state_read(c, rel, &b);

	if (have < 0) {
		sg_buf_free(&b);
		return -1;
	}
	if (!have) {
		sg_buf_free(&b);
		return sg_fail("state/%s: missing (run signet fleet issue)", rel);
	}
	in = sg_json_new_object();
	if (!in || sg_json_set(in, "content", sg_json_new_stringn((const char *)b.data, b.len)) < 0) {
		sg_json_free(in);
		sg_buf_free(&b);
		return -1;
	}
	sg_buf_free(&b);
	return sg_fleet_jobs_add(jobs, h, kind, to, in, make_copy);
}

int sg_fleet_web_jobs(const struct sg_fleet_ctx *c, const struct sg_fleet_host *h,
		      struct sg_fleet_jobs *jobs)
{
	const struct sg_fleet *f = c->f;
	struct sg_json *in = NULL, *servers = NULL, *addrs = NULL;
	char rel[SG_PATH_MAX], to[SG_PATH_MAX];

	for (size_t i = 0; i < f->nservices; i++) {
		const struct sg_fleet_service *s = &f->services[i];
		if (!serves(s, h))
			continue;
		if (!in) {
			if (!(in = sg_json_new_object()) || !(servers = sg_json_new_array()) ||
			    sg_json_set(in, "servers", servers) < 0 ||
			    sg_json_set(in, "host", sg_json_new_string(h->name)) < 0 ||
			    !(addrs = sg_json_new_array()) || sg_json_set(in, "addresses", addrs) < 0)
				goto fail;
			for (size_t k = 0; k < h->naddrs; k++)
				if (sg_json_append(addrs, sg_json_new_string(h->addrs[k].text)) < 0)
					goto fail;
		}
		if (sg_json_append(servers, server_inputs(s)) < 0)
			goto fail;
		if (snprintf(rel, sizeof(rel), "certs/%s/cert.pem", s->name) >= (int)sizeof(rel) ||
		    snprintf(to, sizeof(to), "nginx/tls/%s.crt", s->name) >= (int)sizeof(to) ||
		    copy_job(c, h, "certificate", rel, to, jobs) < 0)
			goto fail;
		if (snprintf(rel, sizeof(rel), "secrets/%s/%s.key.sops.yaml", h->name, s->name) >=
			    (int)sizeof(rel) ||
		    snprintf(to, sizeof(to), "nginx/secrets/%s.key.sops.yaml", s->name) >=
			    (int)sizeof(to) ||
		    copy_job(c, h, "sops-secret", rel, to, jobs) < 0)
			goto fail;
	}
	if (!in)
		return 0;
	if (copy_job(c, h, "ca-certificate", "ca/ca.pem", "nginx/tls/ca.pem", jobs) < 0 ||
	    copy_job(c, h, "crl", "ca/crl.pem", "nginx/tls/crl.pem", jobs) < 0)
		goto fail;
	return sg_fleet_jobs_add(jobs, h, "nginx.conf", "nginx/nginx.conf", in, make_nginx_conf);
fail:
	sg_json_free(in);
	return -1;
}
