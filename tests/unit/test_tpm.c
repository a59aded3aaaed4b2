/* test_tpm - PolicyPCR digests predicted without a TPM, against the
 * digests tpm2_createpolicy --policy-pcr printed for the same PCR values
 * (swtpm 0.7.1, tpm2-tools 5.4), and the option parsers. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "tpm.h"

static const struct {
	uint32_t mask;
	const char *values[2]; /* hex, ascending PCR order */
	const char *digest;
} vectors[] = {
	{ 1u << 7,
	  { "0000000000000000000000000000000000000000000000000000000000000000" },
	  "8b5682d81b29435d08d79278150611dc7e5923b2fefcce684a09577b40130a8b" },
	{ 1u << 7,
	  { "5c85955f709283ecce2b74f1b1552918819f390911816e7bb466805a38ab87f3" },
	  "67d37b71a578ca89bd5c7a1fcff92b4af0c25c512e189377fbd1f4c24c888c3e" },
	{ 1u << 0 | 1u << 7,
	  { "0000000000000000000000000000000000000000000000000000000000000000",
	    "0000000000000000000000000000000000000000000000000000000000000000" },
	  "02e3642b3e29eeccfffd8031c00a6f0a0febe5ceea2f6ef6b0322fe81598cf31" },
	{ 1u << 0 | 1u << 7,
	  { "0000000000000000000000000000000000000000000000000000000000000000",
	    "5c85955f709283ecce2b74f1b1552918819f390911816e7bb466805a38ab87f3" },
	  "523eb002f07df581018c143e878d2b368a5cd7f4a0b01dd923209cb417d548c0" },
	{ 1u << 23,
	  { "0000000000000000000000000000000000000000000000000000000000000000" },
	  "3c87a4b3fb85ebeea58c5fb36ac22d3f280cec27a9f6dd0fa23be9ce560deec8" },
};

int main(void)
{
	uint8_t values[2][32], want[32], got[32];
	uint32_t mask, handle;
	char text[64];

	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		for (size_t j = 0; j < 2 && vectors[i].values[j]; j++)
			check_unhex(vectors[i].values[j], values[j]);
		check_unhex(vectors[i].digest, want);
		CHECK(sg_tpm_policy_predict(vectors[i].mask, (const uint8_t(*)[32])values, got) == 0);
		CHECK_MEM(got, want, 32);
	}
	CHECK(sg_tpm_policy_predict(0, (const uint8_t(*)[32])values, got) < 0);

	CHECK(sg_tpm_parse_pcrs("7", &mask) == 0 && mask == 1u << 7);
	CHECK(sg_tpm_parse_pcrs("0,2,7,23", &mask) == 0 &&
	      mask == (1u | 1u << 2 | 1u << 7 | 1u << 23));
	CHECK(sg_tpm_parse_pcrs("24", &mask) < 0);
	CHECK(sg_tpm_parse_pcrs("", &mask) < 0);
	CHECK(sg_tpm_parse_pcrs("7,", &mask) < 0);
	CHECK(sg_tpm_parse_pcrs(",7", &mask) < 0);
	CHECK(sg_tpm_parse_pcrs("-1", &mask) < 0);
	CHECK(sg_tpm_parse_pcrs("7x", &mask) < 0);
	sg_tpm_format_pcrs(1u | 1u << 7 | 1u << 23, text, sizeof(text));
	CHECK_STR(text, "0,7,23");

	CHECK(sg_tpm_parse_handle("0x81000010", &handle) == 0 && handle == 0x81000010u);
	CHECK(sg_tpm_parse_handle("0x817fffff", &handle) == 0 && handle == 0x817fffffu);
	CHECK(sg_tpm_parse_handle("0x81800000", &handle) < 0); /* platform range */
	CHECK(sg_tpm_parse_handle("0x80000001", &handle) < 0); /* transient */
	CHECK(sg_tpm_parse_handle("81000010", &handle) < 0);
	CHECK(sg_tpm_parse_handle("0x81000010 ", &handle) < 0);
	CHECK(sg_tpm_parse_handle("0x", &handle) < 0);
	return check_done();
}
