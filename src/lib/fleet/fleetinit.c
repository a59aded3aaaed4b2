/* fleetinit.c - the example fleet (fleetinit.h). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "age.h"
#include "authop.h"
#include "crypto.h"
#include "err.h"
#include "fileio.h"
#include "base64.h"
#include "fleetattest.h"
#include "fleetinit.h"
#include "fleetout.h"
#include "signed.h"
#include "path.h"
#include "run.h"

/* The example hosts; keys: 1 when the host has an age identity. */
static const struct {
	const char *name;
	int age, builder;
} hosts[] = {
	{ "app1", 0, 0 },     { "app2", 0, 0 }, { "bubo", 0, 1 },
	{ "crucible", 0, 1 }, { "ns1", 0, 0 },	{ "web1", 1, 0 },
};
#define NHOSTS (sizeof(hosts) / sizeof(hosts[0]))

#define HEAD "version: \"0.1\"\n"

/* An app host's document: @NAME@, @ADDR@ and the keys filled in. */
#define APP_HOST                                                                       \
	HEAD "host: @NAME@\n"                                                          \
	     "roles: [app]\n"                                                          \
	     "addresses: [@ADDR@]\n"                                                   \
	     "ssh_host_key: @SSH@\n"                                                   \
	     "# The boot configuration signet-init reads (signet-init(8)).\n"          \
	     "disk:\n"                                                                 \
	     "  device: /dev/vdb          # the LUKS2 persistent disk\n"               \
	     "  fs: ext4\n"                                                            \
	     "  tpm:\n"                                                                \
	     "    handle: \"0x81000010\"    # the disk key, sealed in the TPM2 ...\n"  \
	     "    pcrs: [7]               # ... to the Secure Boot state\n"            \
	     "console:\n"                                                              \
	     "  prompt_seconds: 2         # 'c': type the passphrase, 'r': recovery\n" \
	     "  passphrase_seconds: 120\n"                                             \
	     "recovery:                   # sshd from the sidecar, our keys only\n"    \
	     "  interface: eth0\n"                                                     \
	     "  address: 10.0.2.15/24\n"                                               \
	     "  gateway: 10.0.2.2\n"

#define BUILDER_KEY "attestation_key: @ATT@   # its attestations verify with it\n"

static const struct {
	const char *path, *text;
} docs[] = {
	{ "fleet.yaml", "# The organisation's fleet (signet-fleet(5)). The hosts live on the\n"
			"# loopback network 127.10.0.0/24 so that this example runs on one\n"
			"# machine; a real fleet names its own addresses.\n" HEAD
			"organisation: Example Water Utility\n"
			"authority:\n"
			"  domain_id: @DOMAIN_ID@\n"
			"ca:\n"
			"  name: Example Water Utility\n"
			"  algorithm: ecdsa-p256\n"
			"  permit_dns: [example.internal]\n"
			"  permit_ip: [127.10.0.0/24]\n"
			"dns:\n"
			"  zones: [example.internal]   # under the organisation's own root\n"
			"  hosts: example.internal     # <host>.example.internal: A, AAAA, SSHFP\n"
			"boot:\n"
			"  # every booting host's kernel command line; a host's own\n"
			"  # 'cmdline' replaces it\n"
			"  cmdline: console=ttyS0 panic=-1 signet.reboot_delay=5\n"
			"release:\n"
			"  channel: stable\n"
			"  mirrors: [\"https://bubo.example.internal/releases/\", "
			"\"https://crucible.example.internal/releases/\"]\n" },
	{ "fleet.lock", "# Every outside input of a build, pinned by SHA-256 (signet fleet lock).\n" HEAD
			"inputs: {}\n" },
	{ "hosts/authority.yaml",
	  "# The offline authority: no network, no other role.\n" HEAD "host: authority\n"
	  "roles: [authority]\n" },
	{ "hosts/bubo.yaml", HEAD "host: bubo\nroles: [builder]\naddresses: [127.10.0.11]\n"
				  "ssh_host_key: @SSH@\n" BUILDER_KEY },
	{ "hosts/crucible.yaml", HEAD "host: crucible\nroles: [builder]\naddresses: [127.10.0.12]\n"
				      "ssh_host_key: @SSH@\n" BUILDER_KEY },
	{ "hosts/ns1.yaml", HEAD "host: ns1\nroles: [dns-authoritative, dns-resolver]\n"
				 "addresses: [127.10.0.53]\nssh_host_key: @SSH@\n" },
	{ "hosts/web1.yaml", HEAD "host: web1\nroles: [ca, web]\naddresses: [127.10.0.80]\n"
				  "ssh_host_key: @SSH@\n"
				  "age_recipient: @AGE@   # its TLS keys are encrypted to it\n" },
	{ "hosts/app1.yaml", APP_HOST },
	{ "hosts/app2.yaml", APP_HOST },
	{ "services/ca.yaml",
	  "# The CA's certificate and CRL, served over https.\n" HEAD "service: ca\nkind: ca\n"
	  "hosts: [web1]\nnames: [ca.example.internal]\n" },
	{ "services/dns.yaml",
	  "# The organisation's own root and its zone; ns1 also resolves, with\n"
	  "# the organisation's trust anchor only.\n" HEAD "service: dns\nkind: dns\n"
	  "hosts: [ns1]\nzones: [\".\", example.internal]\n" },
	{ "services/status.yaml",
	  "# A site in front of an application on app1.\n" HEAD "service: status\nkind: web\n"
	  "hosts: [web1]\nnames: [status.example.internal]\n"
	  "upstream: http://127.10.0.101:8080\nclient_certificates: optional\n" },
	{ "services/www.yaml",
	  "# The operators' site: static files, client certificates required.\n" HEAD
	  "service: www\nkind: web\nhosts: [web1]\nnames: [www.example.internal]\n"
	  "root: /srv/www\nclient_certificates: required\n" },
};
#define NDOCS (sizeof(docs) / sizeof(docs[0]))

static const char *const app_addr[] = { "127.10.0.101", "127.10.0.102" };

/* The public parts init made, by host (index into hosts[]). */
struct made {
	char domain_id[SG_DOMAIN_ID_LEN + 1];
	char ssh[NHOSTS][256];
	char age[NHOSTS][80];
	char att[NHOSTS][SG_KEY_B64_LEN + 1];
	char operator_ssh[256];
};

/* An SSH key pair dir/file and dir/file.pub, as a host (or the operator)
 * makes it (ssh-keygen); the public key line into out. */
static int make_ssh_key(const char *dir, const char *file, const char *name, char out[256])
{
	char key[SG_PATH_MAX], pub[SG_PATH_MAX];
	struct sg_buf text = SG_BUF_INIT;
	const char *argv[] = { "ssh-keygen", "-q", "-t", "ed25519", "-N", "",
			       "-C",	     name, "-f", key,	    NULL };
	int rc = -1;

	if (sg_path_join(key, sizeof(key), dir, file) < 0 ||
	    snprintf(pub, sizeof(pub), "%s.pub", key) >= (int)sizeof(pub) ||
	    sg_run(argv, NULL, "ssh-keygen") < 0 || sg_read_file(pub, &text, 4096) < 0)
		goto out;
	if (text.len == 0 || text.len >= 256 || text.data[text.len - 1] != '\n') {
		sg_fail("%s: not one key line", pub);
		goto out;
	}
	memcpy(out, text.data, text.len - 1);
	out[text.len - 1] = '\0';
	rc = 0;
out:
	sg_buf_free(&text);
	return rc;
}

/* An age identity at path (0600); its recipient into out. */
static int make_age_key(const char *path, char out[80], struct sg_age_recipients *rs)
{
	struct sg_age_identity id;
	struct sg_buf pub = SG_BUF_INIT, text = SG_BUF_INIT;
	int rc = -1;

	if (sg_age_identity_generate(&id) < 0 || sg_age_recipient_encode(id.public, &pub) < 0 ||
	    sg_buf_printf(&text, "# public key: %s\n", (const char *)pub.data) < 0 ||
	    sg_age_identity_encode(&id, &text) < 0 || sg_buf_append_byte(&text, '\n') < 0 ||
	    sg_write_file_atomic(path, text.data, text.len, 0600, SG_ATOMIC_NO_CLOBBER) < 0)
		goto out;
	snprintf(out, 80, "%s", (const char *)pub.data);
	if (rs && sg_age_recipients_add(rs, out, strlen(out)) < 0)
		goto out;
	rc = 0;
out:
	sg_wipe(&id, sizeof(id));
	sg_buf_wipe(&text);
	sg_buf_free(&pub);
	return rc;
}

/* The builder's attestation key (fleetattest.h); its public key, in
 * base64, into out. */
static int make_builder_key(const char *hostdir, char out[SG_KEY_B64_LEN + 1])
{
	char path[SG_PATH_MAX];
	uint8_t pub[32];

	if (sg_path_join(path, sizeof(path), hostdir, "attestation.key") < 0 ||
	    sg_fleet_builder_keygen(path, pub) < 0)
		return -1;
	out[sg_b64_encode(pub, sizeof(pub), out, SG_B64_PAD)] = '\0';
	return 0;
}

static int make_keys(const char *keys, time_t now, struct made *m)
{
	struct sg_age_recipients operator= { 0 };
	struct sg_genesis g = { .name = "example-water-utility" };
	char path[SG_PATH_MAX], dir[SG_PATH_MAX];
	int rc = -1;

	if (sg_path_join(path, sizeof(path), keys, "operator.key") < 0 ||
	    make_age_key(path, m->age[0], &operator) < 0 ||
	    sg_path_join(path, sizeof(path), keys, "authority") < 0 ||
	    sg_authop_init(path, &g, &operator, now, m->domain_id) < 0 ||
	    make_ssh_key(keys, "operator_ed25519", "operator", m->operator_ssh) < 0)
		goto out;
	memset(m->age[0], 0, sizeof(m->age[0]));
	for (size_t i = 0; i < NHOSTS; i++) {
		if (sg_path_join(path, sizeof(path), keys, "hosts") < 0 ||
		    sg_path_join(dir, sizeof(dir), path, hosts[i].name) < 0 ||
		    sg_fleet_mkdir_p(dir, 0700) < 0 ||
		    make_ssh_key(dir, "ssh_host_ed25519_key", hosts[i].name, m->ssh[i]) < 0 ||
		    sg_path_join(path, sizeof(path), dir, "age.key") < 0)
			goto out;
		if (hosts[i].age && make_age_key(path, m->age[i], NULL) < 0)
			goto out;
		if (hosts[i].builder && make_builder_key(dir, m->att[i]) < 0)
			goto out;
	}
	rc = 0;
out:
	sg_age_recipients_free(&operator);
	return rc;
}

static size_t host_index(const char *name)
{
	for (size_t i = 0; i < NHOSTS; i++)
		if (strcmp(hosts[i].name, name) == 0)
			return i;
	return NHOSTS;
}

/* One document's text with its placeholders filled in. */
static int fill(const char *path, const char *tmpl, const struct made *m, struct sg_buf *out)
{
	char name[64];
	const char *base = strrchr(path, '/');
	size_t hi;

	snprintf(name, sizeof(name), "%s", base ? base + 1 : path);
	name[strcspn(name, ".")] = '\0';
	hi = host_index(name);
	for (const char *p = tmpl; *p;) {
		const char *v = NULL;
		size_t skip = 0;
		if (strncmp(p, "@NAME@", 6) == 0)
			v = name, skip = 6;
		else if (strncmp(p, "@ADDR@", 6) == 0)
			v = app_addr[name[3] == '2'], skip = 6;
		else if (strncmp(p, "@SSH@", 5) == 0 && hi < NHOSTS)
			v = m->ssh[hi], skip = 5;
		else if (strncmp(p, "@AGE@", 5) == 0 && hi < NHOSTS)
			v = m->age[hi], skip = 5;
		else if (strncmp(p, "@ATT@", 5) == 0 && hi < NHOSTS)
			v = m->att[hi], skip = 5;
		else if (strncmp(p, "@DOMAIN_ID@", 11) == 0)
			v = m->domain_id, skip = 11;
		if (v ? sg_buf_append_str(out, v) < 0 : sg_buf_append_byte(out, (uint8_t)*p) < 0)
			return -1;
		p += v ? skip : 1;
	}
	return 0;
}

static int write_docs(const char *dir, const struct made *m)
{
	char path[SG_PATH_MAX];

	for (size_t i = 0; i < NDOCS; i++) {
		struct sg_buf text = SG_BUF_INIT;
		int rc;
		if (sg_path_join(path, sizeof(path), dir, docs[i].path) < 0)
			return -1;
		*strrchr(path, '/') = '\0';
		if (sg_fleet_mkdir_p(path, 0755) < 0)
			return -1;
		path[strlen(path)] = '/'; /* the document's path again */
		rc = fill(docs[i].path, docs[i].text, m, &text) < 0 ||
		     sg_write_file_atomic(path, text.data, text.len, 0644, SG_ATOMIC_NO_CLOBBER) < 0;
		sg_buf_free(&text);
		if (rc)
			return -1;
	}
	if (sg_path_join(path, sizeof(path), dir, "state") < 0 || sg_fleet_mkdir_p(path, 0755) < 0 ||
	    sg_path_join(path, sizeof(path), dir, "state/README") < 0)
		return -1;
	static const char readme[] = "What is made once and kept: certificates, public DNS keys,\n"
				     "host secrets as SOPS files. Never a private signing key.\n";
	if (sg_write_file_atomic(path, readme, sizeof(readme) - 1, 0644, SG_ATOMIC_NO_CLOBBER) < 0)
		return -1;
	/* who may log in to a host's recovery shell: the operator */
	struct sg_buf keys = SG_BUF_INIT;
	int rc = sg_path_join(path, sizeof(path), dir, "state/authorized_keys") < 0 ||
		 sg_buf_printf(&keys, "%s\n", m->operator_ssh) < 0 ||
		 sg_write_file_atomic(path, keys.data, keys.len, 0644, SG_ATOMIC_NO_CLOBBER) < 0;
	sg_buf_free(&keys);
	return rc ? -1 : 0;
}

/* Renames tmp onto path (which must not exist) and syncs the parent. */
static int publish(const char *tmp, const char *path)
{
	char parent[SG_PATH_MAX];
	int fd;

	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) < 0)
		return sg_fail_errno("%s", path);
	if (snprintf(parent, sizeof(parent), "%s", path) >= (int)sizeof(parent))
		return sg_fail("%s: path too long", path);
	if ((fd = open(dirname(parent), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return sg_fail_errno("%s", parent);
	if (fsync(fd) < 0) {
		close(fd);
		return sg_fail_errno("%s", parent);
	}
	close(fd);
	return 0;
}

int sg_fleet_init(const char *dir, const char *keys, time_t now)
{
	char tdir[SG_PATH_MAX], tkeys[SG_PATH_MAX];
	struct made *m;
	int rc = -1;

	if (access(dir, F_OK) == 0)
		return sg_fail("%s: already exists, not overwriting", dir);
	if (access(keys, F_OK) == 0)
		return sg_fail("%s: already exists, not overwriting", keys);
	if (snprintf(tdir, sizeof(tdir), "%s.signet-tmp-%ld", dir, (long)getpid()) >=
		    (int)sizeof(tdir) ||
	    snprintf(tkeys, sizeof(tkeys), "%s.signet-tmp-%ld", keys, (long)getpid()) >=
		    (int)sizeof(tkeys))
		return sg_fail("%s: path too long", dir);
	if (!(m = calloc(1, sizeof(*m))))
		return sg_fail("out of memory");
	if (mkdir(tkeys, 0700) < 0 || mkdir(tdir, 0755) < 0) {
		sg_fail_errno("%s", access(tkeys, F_OK) ? tkeys : tdir);
		goto out;
	}
	if (make_keys(tkeys, now, m) < 0 || write_docs(tdir, m) < 0 || publish(tkeys, keys) < 0)
		goto out;
	if (publish(tdir, dir) < 0)
		goto out;
	rc = 0;
out:
	if (rc < 0) {
		/* what was not published is removed; the error stays the first */
		char msg[1024];
		snprintf(msg, sizeof(msg), "%s", sg_errmsg());
		if (access(tkeys, F_OK) == 0)
			sg_remove_tree(tkeys);
		if (access(tdir, F_OK) == 0)
			sg_remove_tree(tdir);
		sg_fail("%s", msg);
	}
	free(m);
	return rc;
}
