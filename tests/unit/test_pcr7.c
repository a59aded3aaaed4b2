/* test_pcr7 - PCR 7 predicted from Secure Boot variables (pcr7.h).
 *
 * The vector was computed by an independent model of the events (a
 * Python script of the PC Client profile's UEFI_VARIABLE_DATA layout,
 * not this code) over small stand-in variables; that the model is the
 * firmware's is checked where the firmware runs: tests/suites/
 * init-disk.sh boots OVMF and compares signet-init's PCR 7 with
 * `signet sb pcr7`. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "err.h"
#include "hex.h"
#include "pcr7.h"

/* EFI_CERT_X509_GUID list with one entry: owner 00..0f, "certificate" */
static const char db_hex[] = "a159c0a5e494a74a87b5ab155c2bf07237000000000000001b000000"
			     "000102030405060708090a0b0c0d0e0f6365727469666963617465";
static const char want[] = "7fe45dd0212a4af141af482b27ec282dae8c42d32b581d4c308e4995b1e95ba3";

static void check_vector(void)
{
	uint8_t db[128], pcr[32];
	char hex[65];
	size_t n;
	struct sg_pcr7_vars v = { 0 };

	CHECK(sg_hex_decode(db_hex, strlen(db_hex), db, sizeof(db), &n) == 0 && n == 55);
	v.pk = (const uint8_t *)"pk", v.pk_len = 2;
	v.kek = (const uint8_t *)"kek", v.kek_len = 3;
	v.db = db, v.db_len = n;
	CHECK(sg_pcr7_first_signature(db, n, &v.authority, &v.authority_len) == 0);
	CHECK(v.authority == db + 28 && v.authority_len == 27);
	CHECK(sg_pcr7_predict(&v, pcr) == 0);
	sg_hex_encode(pcr, sizeof(pcr), hex, SG_HEX_LOWER);
	CHECK_STR(hex, want);
	/* one byte of any variable changes it */
	v.kek = (const uint8_t *)"keK";
	CHECK(sg_pcr7_predict(&v, pcr) == 0);
	sg_hex_encode(pcr, sizeof(pcr), hex, SG_HEX_LOWER);
	CHECK(strcmp(hex, want) != 0);
}

/* A list that is not whole is refused, never read past. */
static void check_bad_lists(void)
{
	uint8_t db[128];
	const uint8_t *sig;
	size_t n, sl;

	CHECK(sg_hex_decode(db_hex, strlen(db_hex), db, sizeof(db), &n) == 0);
	CHECK(sg_pcr7_first_signature(db, 27, &sig, &sl) == -1);
	CHECK(sg_pcr7_first_signature(db, n - 1, &sig, &sl) == -1); /* ListSize past the end */
	/* SignatureSize: the owner only */
	db[24] = 16;
	CHECK(sg_pcr7_first_signature(db, n, &sig, &sl) == -1);
	db[24] = 27;
	db[20] = 1; /* a SignatureHeader pushes the entry past the list */
	CHECK(sg_pcr7_first_signature(db, n, &sig, &sl) == -1);
	CHECK(strstr(sg_errmsg(), "EFI_SIGNATURE_LIST") != NULL);
}

int main(void)
{
	check_vector();
	check_bad_lists();
	return check_done();
}
