/* test_fleetdoc.c - the fleet's documents (fleetdoc.h): the small fleet
 * of fleet_sample.h read whole, then one row per rule: an edit of one
 * document (a substitution in its text, or a document added) and the
 * exact first "FILE:LINE: rule" line it must give. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "err.h"
#include "fleet_sample.h"
#include "fleetdoc.h"

static void check_base(void)
{
	struct sg_buf diag = SG_BUF_INIT;
	struct sg_fleet f;
	const struct sg_fleet_host *web;

	CHECK(parse_edited(NULL, NULL, NULL, &f, &diag) == 0);
	if (diag.len)
		fprintf(stderr, "%.*s", (int)diag.len, (const char *)diag.data);
	CHECK(f.nhosts == 4 && f.nservices == 2 && f.ninputs == 2);
	CHECK_STR(f.hosts[0].name, "app1");
	CHECK_STR(f.hosts[3].file, "hosts/web1.yaml");
	web = sg_fleet_host(&f, "web1");
	CHECK(web && web->roles == (SG_FLEET_WEB | SG_FLEET_CA) && web->naddrs == 2);
	CHECK(web && strcmp(web->addrs[1].text, "fd00::80") == 0);
	CHECK(f.hosts[1].roles == SG_FLEET_AUTHORITY && f.hosts[1].naddrs == 0);
	/* names are canonical: lower case, no final dot */
	CHECK(f.services[1].names.n == 2 &&
	      strcmp(f.services[1].names.v[1], "status.example.internal") == 0);
	CHECK(f.services[1].port == 443 && f.services[1].clients == SG_FLEET_CLIENTS_REQUIRED);
	CHECK_STR(f.host_zone, "example.internal");
	CHECK(f.ca_alg == SG_CA_ECDSA_P256 && f.npermit_ip == 1);
	CHECK(sg_fleet_input(&f, "rootfs/debian") && sg_fleet_input(&f, "rootfs/debian")->size == 7);
	CHECK_STR(sg_fleet_host(&f, "app1")->rootfs, "debian");
	/* no boot.cmdline: the default, and no host replaces it */
	CHECK_STR(f.cmdline, SG_FLEET_DEFAULT_CMDLINE);
	CHECK(sg_fleet_host(&f, "app1")->cmdline == NULL);
	/* the boot part is the document without the fleet's keys */
	CHECK(sg_json_get(sg_fleet_host(&f, "app1")->boot, "disk") &&
	      !sg_json_get(sg_fleet_host(&f, "app1")->boot, "roles") &&
	      !sg_json_get(sg_fleet_host(&f, "app1")->boot, "ssh_host_key"));
	sg_fleet_free(&f);
	sg_buf_free(&diag);
}

/* boot.cmdline for every host, and a host's own cmdline instead. */
static void check_cmdline(void)
{
	struct sg_buf diag = SG_BUF_INIT;
	struct sg_fleet f;

	CHECK(parse_edited("fleet.yaml", "release:",
			   "boot:\n  cmdline: console=ttyS0 quiet\nrelease:", &f, &diag) == 0);
	CHECK_STR(f.cmdline, "console=ttyS0 quiet");
	sg_fleet_free(&f);
	CHECK(parse_edited("hosts/app1.yaml", "rootfs: debian", "rootfs: debian\ncmdline: quiet",
			   &f, &diag) == 0);
	CHECK_STR(sg_fleet_host(&f, "app1")->cmdline, "quiet");
	/* the fleet's key, not signet-init's: not in the boot document */
	CHECK(!sg_json_get(sg_fleet_host(&f, "app1")->boot, "cmdline"));
	sg_fleet_free(&f);
	sg_buf_free(&diag);
}

static const struct {
	const char *doc, *from, *to, *want;
} rules[] = {
	{ "fleet.yaml", "release:", "boot:\n  cmdline: \"\"\nrelease:",
	  "fleet.yaml:14: 'boot.cmdline' must be 1 to 2047 printable ASCII characters on one line" },
	{ "fleet.yaml", "release:", "boot:\n  cmdlin: quiet\nrelease:",
	  "fleet.yaml:14: unknown key 'boot.cmdlin'" },
	{ "hosts/app1.yaml", "device: /dev/vdb", "device: /dev/vdb\n  size: 1.5",
	  "hosts/app1.yaml:7: disk: floats are not in the data model" },
	{ "hosts/app1.yaml", "rootfs: debian", "rootfs: debian\ncmdline: \"quiet\\nsingle\"",
	  "hosts/app1.yaml:7: 'cmdline' must be 1 to 2047 printable ASCII characters on one line" },
	/* keys and types */
	{ "hosts/app1.yaml", "rootfs:", "rootfz:", "hosts/app1.yaml:6: unknown key 'rootfz'" },
	{ "fleet.yaml", "  algorithm", "  algo", "fleet.yaml:7: unknown key 'ca.algo'" },
	{ "hosts/app1.yaml", "roles: [app]", "roles: app",
	  "hosts/app1.yaml:3: 'roles' must be a list of strings" },
	{ "fleet.yaml", "organisation: Example Water Utility\n", "",
	  "fleet.yaml:1: 'organisation' is required" },
	{ "fleet.yaml", "version: \"0.1\"", "version: \"0.2\"",
	  "fleet.yaml:1: version \"0.2\" is not supported (only \"0.1\")" },
	{ "fleet.yaml", "domain_id: aaaa", "domain_id: aaa",
	  "fleet.yaml:4: 'authority.domain_id' must be a DomainID (52 characters of base32)" },
	{ "fleet.yaml", "ecdsa-p256", "dsa",
	  "fleet.yaml:7: 'ca.algorithm' must be ecdsa-p256, ecdsa-p384, ed25519 or rsa3072" },
	{ "fleet.yaml", "127.10.0.0/24", "127.10.0.1/24", "fleet.yaml:9: '127.10.0.1/24': " },
	{ "fleet.yaml", "hosts: example.internal", "hosts: example.org",
	  "fleet.yaml:12: 'dns.hosts' (example.org) is not one of 'dns.zones'" },
	{ "fleet.yaml", "https://bubo", "ftp://bubo",
	  "fleet.yaml:15: mirror 'ftp://bubo.example.internal/releases/' is not an http, https or file URL" },
	{ "fleet.yaml", "zones: [example.internal]", "zones: [example.internal, \"exa mple\"]",
	  "fleet.yaml:11: zone 'exa mple' is not a DNS name" },
	{ "fleet.yaml", "\n", "\n  bad: [",
	  "fleet.yaml:2: did not find expected key while parsing a block mapping (column 3)" },
	/* the lock */
	{ "fleet.lock", "size: 7\n", "size: \"7\"\n",
	  "fleet.lock:5: 'kernel.size' must be an integer" },
	{ "fleet.lock", "size: 7\n", "size: -1\n",
	  "fleet.lock:5: 'kernel.size' must not be negative" },
	{ "fleet.lock", "    sha256: " ROOTFS_SUM "\n    size: 7", "    sha256: abcd\n    size: 7",
	  "fleet.lock:8: 'rootfs/debian.sha256' must be 64 hex digits" },
	{ "fleet.lock", "rootfs/debian:", "rootfs/../x:",
	  "fleet.lock:7: input name 'rootfs/../x' is not a relative path of [a-z0-9._-]" },
	{ "hosts/app1.yaml", "rootfs: debian", "rootfs: alpine",
	  "hosts/app1.yaml:1: rootfs 'alpine' is not pinned in fleet.lock (no input 'rootfs/alpine' nor an OCI layout 'rootfs/alpine/')" },
	/* hosts */
	{ "hosts/app1.yaml", "host: app1", "host: app2",
	  "hosts/app1.yaml:2: 'host' is 'app2' but the file is named for 'app1'" },
	{ "hosts/app1.yaml", "[app]", "[app, printer]", "hosts/app1.yaml:3: unknown role 'printer'" },
	{ "hosts/app1.yaml", "[app]", "[app, app]", "hosts/app1.yaml:3: 'roles' lists 'app' twice" },
	{ "hosts/app1.yaml", "127.10.0.31", "127.10.0.300",
	  "hosts/app1.yaml:4: '127.10.0.300' is not an IPv4 or IPv6 address" },
	{ "hosts/app1.yaml", "127.10.0.31", "127.10.0.53",
	  "hosts/dns1.yaml:4: address 127.10.0.53 is also hosts/app1.yaml's" },
	/* an address is compared as bytes, whatever its spelling */
	{ "hosts/app1.yaml", "127.10.0.31", "127.10.0.31, \"FD00:0::80\"",
	  "hosts/web1.yaml:4: address fd00::80 is also hosts/app1.yaml's" },
	{ "hosts/app1.yaml", "addresses: [127.10.0.31]\n", "",
	  "hosts/app1.yaml:3: role 'app' needs 'addresses'" },
	{ "hosts/app1.yaml", "ssh_host_key: " SSH "\n", "",
	  "hosts/app1.yaml:3: a host with addresses needs 'ssh_host_key' (its SSHFP records)" },
	{ "hosts/app1.yaml", "ssh-ed25519 AAAA", "ssh-ed25519 AAA",
	  "hosts/app1.yaml:5: 'ssh_host_key' must be one OpenSSH public key line" },
	{ "hosts/web1.yaml", "age_recipient: " AGE "\n", "",
	  "hosts/web1.yaml:3: role 'web' needs 'age_recipient' (its TLS keys are encrypted to it)" },
	{ "hosts/web1.yaml", "age1qrk", "age1qrj",
	  "hosts/web1.yaml:6: 'age_recipient' must be an age1... X25519 recipient" },
	{ "hosts/auth.yaml", "[authority]", "[authority]\naddresses: [127.10.0.2]",
	  "hosts/auth.yaml:4: an authority host has no network: no 'addresses'" },
	{ "hosts/b1.yaml", NULL,
	  "version: \"0.1\"\nhost: b1\nroles: [builder]\naddresses: [127.10.0.11]\nssh_host_key: " SSH
	  "\n",
	  "hosts/b1.yaml:3: role 'builder' needs 'attestation_key' (its attestations verify with it)" },
	{ "hosts/b1.yaml", NULL,
	  "version: \"0.1\"\nhost: b1\nroles: [builder]\naddresses: [127.10.0.11]\nssh_host_key: " SSH
	  "\nattestation_key: AAAA\n",
	  "hosts/b1.yaml:6: 'attestation_key' must be an Ed25519 public key (32 bytes, base64)" },
	{ "hosts/auth.yaml", "[authority]", "[authority, app]",
	  "hosts/auth.yaml:3: an authority host has no other role" },
	{ "hosts/app1.yaml", "\"0x81000010\"", "\"0x91000010\"",
	  "hosts/app1.yaml:10: $.disk.tpm.handle: " },
	{ "hosts/app1.yaml", "device: /dev/vdb", "device: /dev/vdb\n  fs: zfs",
	  "hosts/app1.yaml:9: $.disk.fs: " },
	{ "hosts/NoCaps.yaml", NULL, "version: \"0.1\"\n",
	  "hosts/NoCaps.yaml:0: not a fleet document" },
	/* services */
	{ "services/www.yaml", "kind: web", "kind: mail",
	  "services/www.yaml:3: 'kind' must be web, dns or ca" },
	{ "services/www.yaml", "www.example.internal", "www.example.com",
	  "services/www.yaml:5: name www.example.com is outside the CA's permitted DNS names" },
	{ "services/www.yaml", "[web1]", "[app1]",
	  "services/www.yaml:4: host 'app1' does not have the role 'web'" },
	{ "services/www.yaml", "[web1]", "[web2]",
	  "services/www.yaml:4: no host 'web2' (no hosts/web2.yaml)" },
	{ "services/www.yaml", "root: /srv/www", "upstream: http://127.0.0.1:8080\nroot: /srv/www",
	  "services/www.yaml:1: a web service needs one of 'root' and 'upstream'" },
	{ "services/www.yaml", "root: /srv/www", "root: srv/www",
	  "services/www.yaml:6: 'root' must be an absolute path" },
	{ "services/www.yaml", "required", "always",
	  "services/www.yaml:7: 'client_certificates' must be none, optional or required" },
	{ "services/www.yaml", "names: [www.example.internal, Status.Example.Internal.]\n", "",
	  "services/www.yaml:1: a web service needs 'names'" },
	{ "services/www.yaml", "root: /srv/www", "root: /srv/www\nport: 0",
	  "services/www.yaml:7: 'port' must be 1-65535" },
	{ "services/www2.yaml", NULL,
	  "version: \"0.1\"\nservice: www2\nkind: web\nhosts: [web1]\nnames: [www.example.internal]\nroot: /srv\n",
	  "services/www2.yaml:5: name www.example.internal is also services/www.yaml's" },
	{ "services/dns.yaml", "zones: [\".\", example.internal]", "zones: [example.internal]",
	  "fleet.yaml:1: no dns service serves the root zone \".\"" },
	{ "services/dns.yaml", "example.internal]", "example.internal, example.org]",
	  "services/dns.yaml:5: zone example.org is not one of fleet.yaml's 'dns.zones'" },
	{ "services/dns.yaml",
	  "zones:", "port: 53\nzones:", "services/dns.yaml:5: a dns service has no 'port'" },
};

static void check_rules(void)
{
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		struct sg_buf diag = SG_BUF_INIT;
		struct sg_fleet f;
		int rc = parse_edited(rules[i].doc, rules[i].from, rules[i].to, &f, &diag);
		const char *d = diag.len ? (const char *)diag.data : "";
		size_t first = strcspn(d, "\n");

		CHECK(rc == -1 && strncmp(d, rules[i].want, strlen(rules[i].want)) == 0 &&
		      strlen(rules[i].want) <= first);
		if (rc != -1 || strncmp(d, rules[i].want, strlen(rules[i].want)) != 0)
			fprintf(stderr, "  row %zu: wanted '%s'\n  got (rc %d) '%.*s'\n", i,
				rules[i].want, rc, (int)first, d);
		/* the error is the first line */
		CHECK(rc != -1 || strncmp(sg_errmsg(), d, first) == 0);
		sg_fleet_free(&f);
		sg_buf_free(&diag);
	}
}

/* Every broken rule is reported, not only the first. */
static void check_all_reported(void)
{
	struct sg_buf diag = SG_BUF_INIT;
	struct sg_fleet f;
	size_t lines = 0;

	CHECK(parse_edited("hosts/app1.yaml", "roles: [app]", "roles: [app, x, y]\nz: 1", &f,
			   &diag) == -1);
	for (size_t i = 0; i < diag.len; i++)
		lines += diag.data[i] == '\n';
	if (lines != 3)
		fprintf(stderr, "%.*s", (int)diag.len, (const char *)diag.data);
	CHECK(lines == 3);
	sg_fleet_free(&f);
	sg_buf_free(&diag);
}

int main(void)
{
	check_base();
	check_cmdline();
	check_rules();
	check_all_reported();
	return check_done();
}
