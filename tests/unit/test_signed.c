/* test_signed - DomainID derivation and signed objects against values
 * computed outside signet (Python: hashlib, base64, `cryptography`'s
 * Ed25519, JCS per RFC 8785), as tests/suites/check_design.py does. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "hex.h"
#include "json.h"
#include "signed.h"

static const char obj_text[] = "{\"b\":1,\"a\":[true,null,\"x\\u00e9\"],\"\\u20ac\":{}}";

int main(void)
{
	uint8_t pub[32], seed[32], digest[32], kpub[32];
	char id[SG_DOMAIN_ID_LEN + 1], hex[65];
	struct sg_json *obj, *sig, *bad;

	for (int i = 0; i < 32; i++)
		pub[i] = (uint8_t)i;
	CHECK(sg_domain_id(pub, id) == 0);
	CHECK_STR(id, "p54pkstm2fhnkl5iwbbmomalrf3dvibpmvquh4w36ahn5cpnmb4a");
	CHECK(sg_domain_id_valid(id, strlen(id)));
	CHECK(!sg_domain_id_valid(id, 51));
	id[3] = 'A';
	CHECK(!sg_domain_id_valid(id, strlen(id)));

	CHECK(sg_json_parse(obj_text, strlen(obj_text), &obj) == 0);
	CHECK(sg_signed_digest("dam", obj, digest) == 0);
	sg_hex_encode(digest, 32, hex, SG_HEX_LOWER);
	CHECK_STR(hex, "e3b58b133b45ccabe605009f328d3ff4c589e2e2bf95d04e8ba679f2ea84f530");

	/* Ed25519 is deterministic: the same bytes as Python's cryptography. */
	memset(seed, 7, 32);
	CHECK(sg_ed25519_public(seed, kpub) == 0);
	sig = sg_signature_make("dam", obj, seed, 0);
	CHECK(sig != NULL);
	CHECK_STR(sg_json_string(sg_json_get(sig, "signature"), NULL),
		  "NxmCrzAXunaUfw70wkI97FozdO5FSWDTMnBiDdhjSxwXOspik8j/i5TWJkxU3F0IJ8khSSyIJoAQPJYDqrq6Dg==");
	CHECK_STR(sg_json_string(sg_json_get(sig, "algorithm"), NULL), "ed25519");
	CHECK_STR(sg_json_string(sg_json_get(sig, "signed_bytes"), NULL), "sha256");
	CHECK(sg_signature_check("dam", obj, sig, kpub, "t") == 0);
	/* Another kind, another key, or a named key that is not the signer's. */
	CHECK(sg_signature_check("receipt", obj, sig, kpub, "t") < 0);
	CHECK(sg_signature_check("dam", obj, sig, pub, "t") < 0);
	bad = sg_signature_make("dam", obj, seed, 1);
	CHECK(bad != NULL);
	CHECK_STR(sg_json_string(sg_json_get(bad, "public_key"), NULL),
		  "6kpsY+KcUgq+9VB7Ey7F+ZVHdq6+vnuSQh7qaRRG0iw=");
	CHECK(sg_signature_check("dam", obj, bad, kpub, "t") == 0);
	CHECK(sg_signature_check("dam", obj, bad, pub, "t") < 0);
	CHECK(sg_json_set(bad, "extra", sg_json_new_null()) == 0);
	CHECK(sg_signature_check("dam", obj, bad, kpub, "t") < 0);
	sg_json_free(bad);
	/* Member order is not signed: JCS sorts. */
	{
		static const char reordered[] =
			"{\"\\u20ac\":{},\"a\":[true,null,\"x\\u00e9\"],\"b\":1}";
		struct sg_json *o2;

		CHECK(sg_json_parse(reordered, strlen(reordered), &o2) == 0);
		CHECK(sg_signature_check("dam", o2, sig, kpub, "t") == 0);
		sg_json_free(o2);
	}
	sg_json_free(sig);
	sg_json_free(obj);
	return check_done();
}
