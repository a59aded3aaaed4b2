/* Certificates and name constraints: our checks and OpenSSL's verifier
 * agree, and the verifier gate refuses what slips past a check. */
#include <stdlib.h>
#include <time.h>

#include "check.h"
#include "err.h"
#include "x509cert.h"

static struct sg_name name(const char *s)
{
	struct sg_name n;

	if (sg_name_parse_any(s, &n) < 0) {
		fprintf(stderr, "bad test name %s: %s\n", s, sg_errmsg());
		exit(1);
	}
	return n;
}

static int allowed(X509 *ca, const char *s)
{
	struct sg_name n = name(s);

	return sg_x509_check_names(&n, 1, ca, NULL) == 0;
}

/* A leaf for one name, built without our check, through OpenSSL's. */
static int openssl_accepts(X509 *ca, EVP_PKEY *cakey, const char *s, int ip_cn)
{
	struct sg_name n = name(s);
	char serial[SG_CA_SERIAL_MAX + 1];
	EVP_PKEY *k = sg_x509_keygen(SG_CA_ECDSA_P256);
	X509 *leaf = k ? sg_x509_make_leaf(ca, cakey, k, &n, 1, SG_X509_EKU_SERVER, 0,
					   time(NULL) + 86400, ip_cn, serial)
		       : NULL;
	int ok = leaf && sg_x509_verify_leaf(leaf, ca, NULL, X509_PURPOSE_SSL_SERVER) == 0;

	X509_free(leaf);
	EVP_PKEY_free(k);
	return ok;
}

static X509 *reread(X509 *x)
{
	unsigned char *der = NULL;
	const unsigned char *p;
	int len = i2d_X509(x, &der);
	X509 *y;

	p = der;
	y = d2i_X509(NULL, &p, len);
	OPENSSL_free(der);
	X509_free(x);
	return y;
}

int main(void)
{
	static const char *const in[] = {
		"example.com",
		"www.example.com",
		"*.example.com",
		"a.b.corp.example.net",
		"10.1.2.3",
		"ops@example.com",
		"ops@mail.example.com",
		"https://www.example.com/x",
		"spiffe://mesh.corp.example.net/a",
	};
	static const char *const out[] = {
		"badexample.com", "corp.example.net",  "example.org",	    "11.0.0.1", "::1",
		"ops@evil.com",	  "https://evil.com/", "https://10.1.2.3/",
	};
	char *dns[] = { "example.com", ".corp.example.net" };
	struct sg_cidr ip[1];
	EVP_PKEY *key = sg_x509_keygen(SG_CA_ECDSA_P256);
	NAME_CONSTRAINTS *nc;
	X509 *ca;
	char serial[SG_CA_SERIAL_MAX + 1];

	CHECK(key != NULL);
	CHECK(sg_name_cidr("10.0.0.0/8", &ip[0]) == 0);
	nc = sg_x509_build_constraints(dns, 2, ip, 1);
	CHECK(nc != NULL);
	ca = reread(sg_x509_make_ca("Test Root", NULL, key, key, 0, nc, time(NULL) + 86400 * 30));
	CHECK(ca != NULL && X509_check_ca(ca) == 1);
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		CHECK(allowed(ca, in[i]));
		CHECK(openssl_accepts(ca, key, in[i], 0));
	}
	for (size_t i = 0; i < sizeof(out) / sizeof(out[0]); i++) {
		CHECK(!allowed(ca, out[i]));
		/* The gate holds even if a check were skipped. */
		CHECK(!openssl_accepts(ca, key, out[i], 0));
	}
	CHECK(!allowed(ca, "evil.com") && strstr(sg_errmsg(), "example.com") != NULL);
	X509_free(ca);
	NAME_CONSTRAINTS_free(nc);

	/* Addresses only: every DNS name excluded. A CN holding the address
	 * would be checked as a host name by OpenSSL, hence ip_cn. */
	nc = sg_x509_build_constraints(NULL, 0, ip, 1);
	ca = reread(sg_x509_make_ca("IP Root", NULL, key, key, 0, nc, time(NULL) + 86400 * 30));
	CHECK(ca != NULL);
	CHECK(allowed(ca, "10.9.9.9"));
	CHECK(!allowed(ca, "host.example.com"));
	CHECK(!allowed(ca, "ops@example.com"));
	CHECK(openssl_accepts(ca, key, "10.9.9.9", 0));
	CHECK(!openssl_accepts(ca, key, "10.9.9.9", 1));
	CHECK(!openssl_accepts(ca, key, "host.example.com", 0));
	X509_free(ca);
	NAME_CONSTRAINTS_free(nc);

	/* No constraints: anything well-formed. */
	ca = reread(sg_x509_make_ca("Open Root", NULL, key, key, 0, NULL, time(NULL) + 86400 * 30));
	CHECK(allowed(ca, "anything.example") && allowed(ca, "192.0.2.1"));
	CHECK(openssl_accepts(ca, key, "192.0.2.1", 1));
	/* Serials: positive, 16 bytes or fewer, recorded in hex. */
	{
		struct sg_name n = name("s.example");
		X509 *leaf = sg_x509_make_leaf(ca, key, key, &n, 1, SG_X509_EKU_CLIENT, 0,
					       time(NULL) + 3600, 1, serial);
		char again[SG_CA_SERIAL_MAX + 1];
		CHECK(leaf != NULL);
		CHECK(strlen(serial) == 32 && serial[0] <= '7');
		CHECK(sg_x509_serial_hex(leaf, again) == 0 && strcmp(again, serial) == 0);
		CHECK(sg_x509_verify_leaf(leaf, ca, NULL, X509_PURPOSE_SSL_CLIENT) == 0);
		CHECK(sg_x509_verify_leaf(leaf, ca, NULL, X509_PURPOSE_SSL_SERVER) < 0);
		X509_free(leaf);
	}
	X509_free(ca);
	EVP_PKEY_free(key);
	return check_done();
}
