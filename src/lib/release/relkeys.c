/* relkeys.c - the release keys (relkeys.h). */
#include "relkeys.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "crypto.h"
#include "err.h"
#include "fileio.h"
#include "fleetout.h"
#include "hex.h"
#include "keyfile.h"
#include "path.h"

#define KEY_MAX 4096

static int key_path(const char *keys, const char *name, char *out, size_t cap)
{
	if (snprintf(out, cap, "%s/release/%s.key", keys, name) >= (int)cap)
		return sg_fail("%s: path too long", keys);
	return 0;
}

int sg_release_key_make(const char *keys, const char *name, const struct sg_age_recipients *rs)
{
	char path[SG_PATH_MAX], text[65 + 1];
	uint8_t seed[32], pub[32];
	int rc;

	if (key_path(keys, name, path, sizeof(path)) < 0)
		return -1;
	if (access(path, F_OK) == 0)
		return 0;
	if (errno != ENOENT)
		return sg_fail_errno("%s", path);
	if (sg_fleet_mkdirs_for(path) < 0 || sg_ed25519_keygen(seed, pub) < 0)
		return -1;
	sg_hex_encode(seed, sizeof(seed), text, SG_HEX_LOWER);
	text[64] = '\n';
	if (rs)
		rc = sg_keyfile_write(path, rs, text, 65, 1);
	else
		rc = sg_write_file_atomic(path, text, 65, 0600, SG_ATOMIC_NO_CLOBBER);
	sg_wipe(seed, sizeof(seed));
	sg_wipe(text, sizeof(text));
	return rc < 0 ? -1 : 1;
}

int sg_release_key_load(const char *keys, const char *name, const struct sg_age_identities *ids,
			struct sg_tuf_signer *out)
{
	char path[SG_PATH_MAX];
	struct sg_buf text = SG_BUF_INIT;
	size_t n = 0;
	int rc = -1, sealed;

	if (key_path(keys, name, path, sizeof(path)) < 0)
		return -1;
	sealed = sg_keyfile_wants_passphrase(path) >= 0;
	if (sealed ? sg_keyfile_open(path, ids, KEY_MAX, &text) < 0
		   : sg_read_file(path, &text, KEY_MAX) < 0)
		goto out;
	if (text.len != 65 || text.data[64] != '\n' ||
	    sg_hex_decode((const char *)text.data, 64, out->seed, 32, &n) < 0 || n != 32) {
		sg_fail("%s: not a release key (64 hex digits and a newline)", path);
		goto out;
	}
	rc = sg_ed25519_public(out->seed, out->pub);
out:
	if (rc < 0)
		sg_wipe(out->seed, sizeof(out->seed));
	sg_buf_wipe(&text);
	return rc;
}
