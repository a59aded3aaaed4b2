/* provision.h, its pure part: sg_provision_check_authorized_keys()
 * accepts a file with at least one key line, every other line blank or
 * a '#' comment, a key line naming ssh-*, ecdsa-sha2-* or sk-* (after
 * options too); refuses anything else with the line number. The build
 * itself (kernel, stub, signing) is the provision suite's. */
#include "check.h"
#include "err.h"
#include "provision.h"

static const struct {
	const char *text;
	const char *msg; /* NULL: accepted */
} cases[] = {
	{ "ssh-ed25519 AAAA a@b\n", NULL },
	{ "ssh-ed25519 AAAA", NULL }, /* no final newline */
	{ "ecdsa-sha2-nistp256 AAAA\n", NULL },
	{ "sk-ssh-ed25519@openssh.com AAAA\n", NULL },
	{ "from=\"10.0.0.0/8\",no-pty ssh-rsa AAAA\n", NULL }, /* after options */
	{ "restrict\tssh-ed25519 AAAA\n", NULL },
	{ "# admins\n\n   \n\t# x\n  ssh-ed25519 AAAA\n", NULL },
	{ "ssh-x", NULL }, /* the shortest type word: one byte after "ssh-" */
	{ "ssh-", "ak:1: not a public key line" },
	{ "sk-", "ak:1: not a public key line" },
	{ "sk-x", NULL },
	{ "ecdsa-sha2-", "ak:1: not a public key line" },
	{ "ecdsa-sha2-x", NULL },
	{ "", "ak: holds no public key" },
	{ "\n\n", "ak: holds no public key" },
	{ "# ssh-ed25519 AAAA\n", "ak: holds no public key" },
	{ "ssh-ed25519 AAAA\ngarbage\n", "ak:2: not a public key line" },
	{ "\n# c\nrsa AAAA\n", "ak:3: not a public key line" },
	{ "no-pty,ssh-ed25519 AAAA\n", "ak:1: not a public key line" }, /* not after a blank */
	{ "xssh-ed25519 AAAA\n", "ak:1: not a public key line" },
	{ "SSH-ED25519 AAAA\n", "ak:1: not a public key line" },
};

int main(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc;

		sg_errclear();
		rc = sg_provision_check_authorized_keys("ak", (const uint8_t *)cases[i].text,
							strlen(cases[i].text));
		if (!cases[i].msg) {
			CHECK(rc == 0);
		} else {
			CHECK(rc == -1);
			CHECK_STR(sg_errmsg(), cases[i].msg);
		}
		if ((rc == 0) != !cases[i].msg || (rc && strcmp(sg_errmsg(), cases[i].msg)))
			fprintf(stderr, "  case %zu: %d %s\n", i, rc, sg_errmsg());
	}
	/* len bounds the text: a bad line past it is not read, a key past
	 * it does not count. */
	static const char two[] = "ssh-ed25519 AAAA\nbad\n";
	CHECK(sg_provision_check_authorized_keys("ak", (const uint8_t *)two, 17) == 0);
	static const char late[] = "\nssh-ed25519 AAAA\n";
	sg_errclear();
	CHECK(sg_provision_check_authorized_keys("ak", (const uint8_t *)late, 1) == -1);
	CHECK_STR(sg_errmsg(), "ak: holds no public key");
	return check_done();
}
