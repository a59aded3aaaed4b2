/* fleet_sample.h - a small fleet in memory for the fleet's unit tests
 * (test_fleetdoc and the build's): four hosts (an app host with a disk,
 * the authority, a DNS host, a web and CA host), two services and a
 * lock, and parse_edited(), which reads it with one document edited. */
#ifndef SIGNET_TEST_FLEET_SAMPLE_H
#define SIGNET_TEST_FLEET_SAMPLE_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fileio.h"
#include "fleetdoc.h"

#define SSH "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPqQB82iN6bislc3tE1Qq6LAKLXkkQS09CzOJuS9QPMe"
#define AGE "age1qrkrul4wl0yqyr3llh3x20sz86nthp89vc3t7msfs7wnjlehmces7aut7q"
#define KERNEL_SUM "a0c936696eb7d5ee3192bf53b9d281cecbb40ca9db520de72cb95817ad92ac72"
#define ROOTFS_SUM "f8a581d4bce57f792444b2230b5706a6f902fbac19a374e76f6a56f030d35cf2"

static const char *const base_names[] = {
	"fleet.yaml",	   "fleet.lock",      "hosts/app1.yaml",   "hosts/auth.yaml",
	"hosts/dns1.yaml", "hosts/web1.yaml", "services/dns.yaml", "services/www.yaml",
};
static const char *const base_docs[] = {
	/* fleet.yaml */
	"version: \"0.1\"\n"
	"organisation: Example Water Utility\n"
	"authority:\n"
	"  domain_id: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"
	"ca:\n"
	"  name: Example Water Utility\n"
	"  algorithm: ecdsa-p256\n"
	"  permit_dns: [example.internal]\n"
	"  permit_ip: [127.10.0.0/24]\n"
	"dns:\n"
	"  zones: [example.internal]\n"
	"  hosts: example.internal\n"
	"release:\n"
	"  channel: stable\n"
	"  mirrors: [\"https://bubo.example.internal/releases/\"]\n",
	/* fleet.lock: the inputs are "kernel\n" and "rootfs\n" */
	"version: \"0.1\"\n"
	"inputs:\n"
	"  kernel:\n"
	"    sha256: " KERNEL_SUM "\n"
	"    size: 7\n"
	"    source: linux-image-6.1.0-28-amd64\n"
	"  rootfs/debian:\n"
	"    sha256: " ROOTFS_SUM "\n"
	"    size: 7\n",
	/* hosts/app1.yaml */
	"version: \"0.1\"\n"
	"host: app1\n"
	"roles: [app]\n"
	"addresses: [127.10.0.31]\n"
	"ssh_host_key: " SSH "\n"
	"rootfs: debian\n"
	"disk:\n"
	"  device: /dev/vdb\n"
	"  tpm:\n"
	"    handle: \"0x81000010\"\n"
	"    pcrs: [7]\n",
	/* hosts/auth.yaml */
	"version: \"0.1\"\n"
	"host: auth\n"
	"roles: [authority]\n",
	/* hosts/dns1.yaml */
	"version: \"0.1\"\n"
	"host: dns1\n"
	"roles: [dns-authoritative, dns-resolver]\n"
	"addresses: [127.10.0.53]\n"
	"ssh_host_key: " SSH "\n",
	/* hosts/web1.yaml */
	"version: \"0.1\"\n"
	"host: web1\n"
	"roles: [web, ca]\n"
	"addresses: [127.10.0.80, \"fd00::80\"]\n"
	"ssh_host_key: " SSH "\n"
	"age_recipient: " AGE "\n",
	/* services/dns.yaml */
	"version: \"0.1\"\n"
	"service: dns\n"
	"kind: dns\n"
	"hosts: [dns1]\n"
	"zones: [\".\", example.internal]\n",
	/* services/www.yaml */
	"version: \"0.1\"\n"
	"service: www\n"
	"kind: web\n"
	"hosts: [web1]\n"
	"names: [www.example.internal, Status.Example.Internal.]\n"
	"root: /srv/www\n"
	"client_certificates: required\n",
};
#define NBASE (sizeof(base_names) / sizeof(base_names[0]))

/* The base fleet with doc (a name) edited: from replaced by to, or, for
 * a name not in the base, added with the text to (from NULL). */
static inline int parse_edited(const char *doc, const char *from, const char *to,
			       struct sg_fleet *f, struct sg_buf *diag)
{
	const char *names[NBASE + 1], *docs[NBASE + 1];
	size_t lens[NBASE + 1], n = NBASE;
	char *edited = NULL;
	int rc;

	for (size_t i = 0; i < NBASE; i++) {
		names[i] = base_names[i];
		docs[i] = base_docs[i];
		if (doc && from && strcmp(doc, names[i]) == 0) {
			const char *at = strstr(docs[i], from);
			size_t pre;
			if (!at) {
				fprintf(stderr, "  %s: no '%s' to replace\n", doc, from);
				return -2;
			}
			pre = (size_t)(at - docs[i]);
			edited = malloc(strlen(docs[i]) + strlen(to) + 1);
			memcpy(edited, docs[i], pre);
			strcpy(edited + pre, to);
			strcat(edited, at + strlen(from));
			docs[i] = edited;
		}
	}
	if (doc && !from) {
		names[n] = doc;
		docs[n++] = to;
	}
	for (size_t i = 0; i < n; i++)
		lens[i] = strlen(docs[i]);
	rc = sg_fleet_parse(names, docs, lens, n, f, diag);
	free(edited);
	return rc;
}

/* A self-signed certificate (made once with openssl req -x509, P-256,
 * 100 years), standing in for what signet fleet issue writes. */
static const char sample_cert[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBlTCCATugAwIBAgIUSUeNzT9qfhpceD2DrwIJ/tb2RZMwCgYIKoZIzj0EAwIw\n"
	"HzEdMBsGA1UEAwwUd3d3LmV4YW1wbGUuaW50ZXJuYWwwIBcNMjYxMjA0MDY0MTIy\n"
	"WhgPMjEyNjExMTAwNjQxMjJaMB8xHTAbBgNVBAMMFHd3dy5leGFtcGxlLmludGVy\n"
	"bmFsMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEOB4xDrbIJur423vftgFvLWhJ\n"
	"MjPBk8ItRCmUMcjIZyVk6ljJEt5/CwWWXov4x4K0mPiNPjZan3uiZYzE91RcxaNT\n"
	"MFEwHQYDVR0OBBYEFCYSlKcLt9Th/RCO4xdgdE2tlyU+MB8GA1UdIwQYMBaAFCYS\n"
	"lKcLt9Th/RCO4xdgdE2tlyU+MA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwID\n"
	"SAAwRQIhAOTXDO/npU3z7NucCtrMLNLqj8qIYxyDTRg2z2iCrz2ZAiAzyCddxoRV\n"
	"aa6VYc5jCNfFkQgBEHLEGbUOjlR5BSXmBQ==\n"
	"-----END CERTIFICATE-----\n";

/* A repository under tmp holding only what the sample's producers read
 * from state/: the DNS anchor its resolver gets, the CA's anchor and CRL
 * and the certificate and sealed key of the web service (their contents
 * are only copied, except the certificate's, from which the zones' TLSA
 * records come). Its path into repo. */
static inline int sample_repo(const char *tmp, char *repo, size_t cap)
{
	static const char *const dirs[] = { "",
					    "/state",
					    "/state/dns",
					    "/state/ca",
					    "/state/certs",
					    "/state/certs/www",
					    "/state/secrets",
					    "/state/secrets/web1" };
	static const struct {
		const char *rel, *text;
	} files[] = {
		{ "/state/dns/root.ds", ". 3600 IN DS 1 15 2 00\n" },
		{ "/state/ca/ca.pem", sample_cert },
		{ "/state/ca/crl.pem", "crl\n" },
		{ "/state/certs/www/cert.pem", sample_cert },
		{ "/state/secrets/web1/www.key.sops.yaml", "tls_key: sealed\n" },
	};
	char path[1024];

	if (snprintf(repo, cap, "%s/repo", tmp) >= (int)cap)
		return -1;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		if (snprintf(path, sizeof(path), "%s%s", repo, dirs[i]) >= (int)sizeof(path) ||
		    (mkdir(path, 0755) < 0 && errno != EEXIST))
			return -1;
	}
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (snprintf(path, sizeof(path), "%s%s", repo, files[i].rel) >= (int)sizeof(path) ||
		    sg_write_file_atomic(path, files[i].text, strlen(files[i].text), 0644, 0) < 0)
			return -1;
	return 0;
}

#endif
