/* stream.h: the age payload (C2SP age spec, "Payload"). Expected sealed
 * bytes are computed here from the spec with OpenSSL's ChaCha20-Poly1305
 * directly: 64 KiB chunks, nonce = 11-byte big-endian counter || final
 * flag, the final chunk full or short, empty only for an empty payload.
 * Sizes cross the chunk and the 16-chunk batch boundaries, through both
 * input paths (in-memory view and read-ahead). Then one row per way a
 * payload can be wrong; none of them may release plaintext of its
 * failing batch. */
#include <stdlib.h>

#include <openssl/evp.h>

#include "buf.h"
#include "check.h"
#include "err.h"
#include "io.h"
#include "stream.h"

#define CH SG_STREAM_CHUNK_SIZE
#define SEALED (CH + 16)

static uint8_t key[SG_STREAM_KEY_LEN];

/* Seals one chunk as the spec says; returns len + 16. */
static size_t ref_chunk(uint64_t counter, int final, const uint8_t *pt, size_t len, uint8_t *out,
			const uint8_t *k)
{
	uint8_t nonce[12] = { 0 };
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n = 0, ok;

	for (int i = 0; i < 8; i++)
		nonce[10 - i] = (uint8_t)(counter >> (8 * i));
	nonce[11] = (uint8_t) final;
	ok = c && EVP_EncryptInit_ex(c, EVP_chacha20_poly1305(), NULL, k, nonce) == 1 &&
	     (len == 0 || EVP_EncryptUpdate(c, out, &n, pt, (int)len) == 1) &&
	     EVP_EncryptFinal_ex(c, out + n, &n) == 1 &&
	     EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16, out + len) == 1;
	EVP_CIPHER_CTX_free(c);
	if (!ok)
		abort();
	return len + 16;
}

/* The spec's whole payload for n plaintext bytes. */
static size_t ref_seal(const uint8_t *pt, size_t n, uint8_t *out)
{
	size_t off = 0, o = 0;
	uint64_t ctr = 0;

	do {
		size_t take = n - off > CH ? CH : n - off;
		o += ref_chunk(ctr++, off + take == n, pt + off, take, out + o, key);
		off += take;
	} while (off < n);
	return o;
}

/* Runs encrypt or decrypt over in[0..len); viewed selects the input
 * path. */
static int run(int decrypt, const uint8_t *in, size_t len, int viewed, struct sg_buf *out)
{
	struct sg_mem_source m;
	struct sg_reader r = sg_mem_reader(&m, in, len);

	if (!viewed)
		r.view = NULL;
	return decrypt ? sg_stream_decrypt(key, r, sg_buf_writer(out))
		       : sg_stream_encrypt(key, r, sg_buf_writer(out));
}

static const size_t sizes[] = {
	0,	1,	    15,		 16,	  17,	       CH - 1,	CH,	     CH + 1,
	2 * CH, 2 * CH + 1, 16 * CH - 1, 16 * CH, 16 * CH + 1, 17 * CH, 33 * CH + 5,
};

enum mangle { CUT, FLIP, FLAGS, EXTRA, NONE };

/* Ways to break a payload. For FLAGS the payload is rebuilt chunk by
 * chunk: nchunks chunks of the given lengths, final flag on chunk
 * final_at (-1: none), counters in order unless swap. */
static const struct {
	const char *name;
	enum mangle how;
	size_t ptlen;	/* plaintext the good payload has */
	long arg;	/* CUT: bytes kept (negative: from the end); FLIP: offset */
	size_t lens[3]; /* FLAGS: chunk plaintext lengths */
	int nchunks, final_at, swap;
	const char *msg;
	size_t released; /* plaintext bytes that may come out before the failure */
} bad[] = {
	{ "empty input", CUT, 0, 0, { 0 }, 0, 0, 0, "payload is missing", 0 },
	{ "one byte short of a tag", CUT, 0, -1, { 0 }, 0, 0, 0, "truncated", 0 },
	{ "only a partial tag", CUT, 5, 8, { 0 }, 0, 0, 0, "truncated", 0 },
	{ "last byte cut", CUT, 100, -1, { 0 }, 0, 0, 0, "chunk 0", 0 },
	{ "last chunk dropped", CUT, CH + 1, SEALED, { 0 }, 0, 0, 0, "chunk 0", 0 },
	{ "last chunk dropped at a batch edge", CUT, 16 * CH + 1, 16 * SEALED, { 0 }, 0, 0, 0, "chunk 15", 0 },
	{ "second chunk cut short", CUT, 2 * CH, SEALED + 100, { 0 }, 0, 0, 0, "chunk 1", 0 },
	{ "second batch cut short", CUT, 20 * CH, 18 * SEALED, { 0 }, 0, 0, 0, "chunk 17", 16 * CH },
	{ "flipped ciphertext byte", FLIP, 100, 50, { 0 }, 0, 0, 0, "authentication failed at chunk 0", 0 },
	{ "flipped tag byte", FLIP, 100, 115, { 0 }, 0, 0, 0, "authentication failed at chunk 0", 0 },
	{ "flipped byte in chunk 1",
	  FLIP,
	  2 * CH,
	  SEALED + 3,
	  { 0 },
	  0,
	  0,
	  0,
	  "authentication failed at chunk 1",
	  0 },
	{ "flipped byte in chunk 20",
	  FLIP,
	  21 * CH,
	  20 * SEALED + 7,
	  { 0 },
	  0,
	  0,
	  0,
	  "authentication failed at chunk 20",
	  16 * CH },
	{ "trailing bytes after the final chunk", EXTRA, 100, 1, { 0 }, 0, 0, 0, "", 0 },
	{ "a whole extra chunk", EXTRA, CH, 17, { 0 }, 0, 0, 0, "", 0 },
	{ "no final flag", FLAGS, 0, 0, { 100 }, 1, -1, 0, "chunk 0", 0 },
	{ "no final flag on the last full chunk", FLAGS, 0, 0, { CH }, 1, -1, 0, "chunk 0", 0 },
	{ "final flag on the first of two", FLAGS, 0, 0, { CH, 5 }, 2, 0, 0, "chunk", 0 },
	{ "final flag on a short first chunk", FLAGS, 0, 0, { 5, 5 }, 2, 0, 0, "chunk", 0 },
	{ "empty final chunk after a full one", FLAGS, 0, 0, { CH, 0 }, 2, 1, 0, "ends with an empty chunk", 0 },
	{ "short chunk before the last", FLAGS, 0, 0, { 5, CH, 5 }, 3, 2, 0, "chunk", 0 },
	{ "chunks reordered", FLAGS, 0, 0, { CH, CH, 5 }, 3, 2, 1, "chunk 0", 0 },
	{ "good rebuilt payload", FLAGS, 0, 0, { CH, CH, 5 }, 3, 2, 0, NULL, 0 },
};

int main(void)
{
	const size_t maxn = 33 * CH + 5, maxs = 34 * SEALED;
	uint8_t *pt = malloc(maxn), *ct = malloc(maxs + SEALED);
	struct sg_buf out = SG_BUF_INIT;
	size_t ctlen;

	if (!pt || !ct)
		return 1;
	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(0x40 + i);
	for (size_t i = 0; i < maxn; i++)
		pt[i] = (uint8_t)(i * 7 + 3 + (i >> 16));

	/* Round trips, byte-exact against the spec, both input paths. */
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t n = sizes[i];
		ctlen = ref_seal(pt, n, ct);
		CHECK(ctlen == n + 16 * (n ? (n + CH - 1) / CH : 1));
		for (int viewed = 0; viewed < 2; viewed++) {
			CHECK(run(0, pt, n, viewed, &out) == 0);
			CHECK(out.len == ctlen && memcmp(out.data, ct, ctlen) == 0);
			sg_buf_free(&out);
			CHECK(run(1, ct, ctlen, viewed, &out) == 0);
			CHECK(out.len == n && (n == 0 || memcmp(out.data, pt, n) == 0));
			sg_buf_free(&out);
		}
	}

	/* Another key does not open it. */
	ctlen = ref_seal(pt, 10, ct);
	key[0] ^= 1;
	CHECK(run(1, ct, ctlen, 1, &out) == -1);
	CHECK(out.len == 0);
	key[0] ^= 1;
	sg_buf_free(&out);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (bad[i].how == FLAGS) {
			size_t off = 0;
			ctlen = 0;
			for (int c = 0; c < bad[i].nchunks; c++) {
				uint64_t ctr = (uint64_t)c;
				if (bad[i].swap && c < 2)
					ctr = (uint64_t)(1 - c);
				ctlen += ref_chunk(ctr, c == bad[i].final_at, pt + off,
						   bad[i].lens[c], ct + ctlen, key);
				off += bad[i].lens[c];
			}
		} else {
			ctlen = ref_seal(pt, bad[i].ptlen, ct);
		}
		if (bad[i].how == CUT)
			ctlen = bad[i].arg < 0 ? ctlen - (size_t)(-bad[i].arg) : (size_t)bad[i].arg;
		if (bad[i].how == FLIP)
			ct[bad[i].arg] ^= 0x01;
		if (bad[i].how == EXTRA) {
			/* A second sealed chunk after the final one, or a byte. */
			memset(ct + ctlen, 0xa5, (size_t)bad[i].arg);
			ctlen += (size_t)bad[i].arg;
		}
		for (int viewed = 0; viewed < 2; viewed++) {
			int rc;
			sg_errclear();
			rc = run(1, ct, ctlen, viewed, &out);
			if (!bad[i].msg) {
				CHECK(rc == 0);
				CHECK(out.len == 2 * CH + 5 && memcmp(out.data, pt, out.len) == 0);
			} else {
				CHECK(rc == -1);
				CHECK(strstr(sg_errmsg(), "payload") != NULL);
				CHECK(strstr(sg_errmsg(), bad[i].msg) != NULL);
				CHECK(out.len == bad[i].released);
				if (rc != -1 || !strstr(sg_errmsg(), bad[i].msg))
					fprintf(stderr, "row '%s': %s\n", bad[i].name, sg_errmsg());
			}
			sg_buf_free(&out);
		}
	}
	free(pt);
	free(ct);
	return check_done();
}
