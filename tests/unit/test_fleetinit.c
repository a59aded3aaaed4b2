/* test_fleetinit.c - the example fleet (fleetinit.h): it passes every
 * rule of fleetdoc, its keys are outside it and 0600, and init refuses
 * a repository or keys directory that exists, leaving it as it was. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "err.h"
#include "fileio.h"
#include "fleetdoc.h"
#include "fleetinit.h"

int main(void)
{
	char tmp[] = "/tmp/test_fleetinit.XXXXXX", dir[600], keys[600], p[700];
	struct sg_buf diag = SG_BUF_INIT;
	struct sg_fleet f;
	struct stat st;

	CHECK(mkdtemp(tmp) != NULL);
	snprintf(dir, sizeof(dir), "%s/fleet", tmp);
	snprintf(keys, sizeof(keys), "%s/keys", tmp);
	CHECK(sg_fleet_init(dir, keys, 1796000000) == 0);
	CHECK(sg_fleet_load(dir, &f, &diag) == 0 && diag.len == 0);
	CHECK(f.nhosts == 7 && f.nservices == 4);
	CHECK(sg_fleet_host(&f, "bubo") && sg_fleet_host(&f, "bubo")->has_attestation_key);
	CHECK(sg_fleet_host(&f, "authority") && sg_fleet_host(&f, "authority")->naddrs == 0);
	CHECK(strlen(f.domain_id) == 52);
	sg_fleet_free(&f);
	snprintf(p, sizeof(p), "%s/operator.key", keys);
	CHECK(stat(p, &st) == 0 && (st.st_mode & 0777) == 0600);
	snprintf(p, sizeof(p), "%s/hosts/web1/age.key", keys);
	CHECK(stat(p, &st) == 0 && (st.st_mode & 0777) == 0600);
	snprintf(p, sizeof(p), "%s/authority/domains/%s", keys, "");
	CHECK(access(p, F_OK) == 0);
	CHECK(sg_fleet_init(dir, "/nonexistent-keys", 1796000000) == -1 &&
	      strstr(sg_errmsg(), "already exists"));
	snprintf(p, sizeof(p), "%s/fleet2", tmp);
	CHECK(sg_fleet_init(p, keys, 1796000000) == -1 && access(p, F_OK) < 0);
	sg_buf_free(&diag);
	sg_remove_tree(tmp);
	return check_done();
}
