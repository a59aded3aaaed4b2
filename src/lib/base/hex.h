/* hex.h - hexadecimal, as hashes, salts, MACs and UUIDs are written. */
#ifndef SIGNET_HEX_H
#define SIGNET_HEX_H

#include <stddef.h>
#include <stdint.h>

enum sg_hex_case { SG_HEX_LOWER = 0, SG_HEX_UPPER = 1 };

/* The value of one hex digit (either case), or -1. */
int sg_hex_value(int c);

/* Writes 2 * len digits and a NUL to out. */
void sg_hex_encode(const uint8_t *in, size_t len, char *out, enum sg_hex_case hcase);

/* Decodes len characters (an even number, digits of either case) into
 * out, which holds cap bytes; sets *outlen. -1 with an error otherwise. */
int sg_hex_decode(const char *in, size_t len, uint8_t *out, size_t cap, size_t *outlen);

/* UUIDs in their 8-4-4-4-12 form (either case in, lowercase out), as
 * uuid_parse() and uuid_unparse_lower() read and write them. */
#define SG_UUID_STR_LEN 36
int sg_uuid_parse(const char *s, uint8_t out[16]);
void sg_uuid_format(const uint8_t u[16], char out[SG_UUID_STR_LEN + 1]);
/* Marks 16 random (or derived) bytes as a version 4, variant 1 UUID. */
void sg_uuid_mark_v4(uint8_t u[16]);

#endif
