/* fuzz_verity_sb.c - the dm-verity superblock reader on arbitrary bytes.
 *
 * Whatever it accepts must survive a round trip: encoding the decoded
 * parameters and decoding them again gives the same parameters. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "verity.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sg_verity_params p, q;
	uint8_t sb[SG_VERITY_SB_SIZE];

	if (sg_verity_sb_decode(data, size, &p) < 0)
		return 0;
	if (sg_verity_sb_encode(&p, sb) < 0 || sg_verity_sb_decode(sb, sizeof(sb), &q) < 0)
		abort();
	if (strcmp(p.hash_name, q.hash_name) != 0 || p.hash_type != q.hash_type ||
	    p.data_block_size != q.data_block_size || p.hash_block_size != q.hash_block_size ||
	    p.data_blocks != q.data_blocks || p.salt_size != q.salt_size ||
	    memcmp(p.salt, q.salt, p.salt_size) != 0 || memcmp(p.uuid, q.uuid, 16) != 0)
		abort();
	return 0;
}
