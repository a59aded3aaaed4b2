/* armor.h: the age ASCII armor as the C2SP age specification states it
 * (strict RFC 7468: padded canonical base64 in 64-column lines, the last
 * 1..64 columns, LF or CRLF, whitespace only before BEGIN and after END,
 * no headers). Exact encodings of a fixed pattern (byte i is 7i+3) for
 * the line boundaries, decoded through every read size; then one row per
 * way an armored file can be wrong. */
#include "armor.h"
#include "buf.h"
#include "check.h"
#include "err.h"
#include "io.h"

#define B "-----BEGIN AGE ENCRYPTED FILE-----\n"
#define E "-----END AGE ENCRYPTED FILE-----\n"
#define L48 "AwoRGB8mLTQ7QklQV15lbHN6gYiPlp2kq7K5wMfO1dzj6vH4/wYNFBsiKTA3PkVM"
#define L96 "U1phaG92fYSLkpmgp661vMPK0djf5u30+wIJEBceJSwzOkFIT1ZdZGtyeYCHjpWc"

/* What the writer produces for the first n pattern bytes. */
static const struct {
	size_t n;
	const char *armored;
} exact[] = {
	{ 0, B E },
	{ 1, B "Aw==\n" E },
	{ 2, B "Awo=\n" E },
	{ 3, B "AwoR\n" E },
	{ 46, B "AwoRGB8mLTQ7QklQV15lbHN6gYiPlp2kq7K5wMfO1dzj6vH4/wYNFBsiKTA3Pg==\n" E },
	{ 47, B "AwoRGB8mLTQ7QklQV15lbHN6gYiPlp2kq7K5wMfO1dzj6vH4/wYNFBsiKTA3PkU=\n" E },
	{ 48, B L48 "\n" E },
	{ 49, B L48 "\nUw==\n" E },
	{ 96, B L48 "\n" L96 "\n" E },
	{ 100, B L48 "\n" L96 "\no6qxuA==\n" E },
};

/* Other spellings the decoder accepts, and what they decode to (the
 * pattern's first n bytes). */
static const struct {
	const char *armored;
	size_t n;
} accepted[] = {
	{ "-----BEGIN AGE ENCRYPTED FILE-----\r\nAwoR\r\n-----END AGE ENCRYPTED FILE-----\r\n", 3 },
	{ B L48 "\r\nUw==\n" E, 49 },			   /* mixed line ends */
	{ " \t\r\n\v\f\n" B "AwoR\n" E, 3 },		   /* space before BEGIN */
	{ B "AwoR\n" E " \t\r\n\n\v\f", 3 },		   /* and after END */
	{ B "AwoR\n-----END AGE ENCRYPTED FILE-----", 3 }, /* END without its LF */
	{ B "AwoR\n-----END AGE ENCRYPTED FILE-----\r\n\n", 3 },
};

/* Refused, each with the part of the message that names the rule. */
static const struct {
	const char *armored, *msg;
} refused[] = {
	{ "", "missing '-----BEGIN AGE ENCRYPTED FILE-----' line" },
	{ " \n\t", "missing '-----BEGIN" },
	{ "AwoR\n" E, "missing '-----BEGIN" },
	{ "x\n" B "AwoR\n" E, "missing '-----BEGIN" },			 /* data before */
	{ "-----BEGIN AGE ENCRYPTED FILE-----", "missing '-----BEGIN" }, /* no line end */
	{ "-----BEGIN AGE ENCRYPTED FILE----- \nAwoR\n" E, "missing '-----BEGIN" },
	{ "-----BEGIN age ENCRYPTED FILE-----\nAwoR\n" E, "missing '-----BEGIN" },
	{ "-----BEGIN PGP MESSAGE-----\nAwoR\n" E, "missing '-----BEGIN" },
	{ "-----BEGIN AGE ENCRYPTED FILE-----\rAwoR\r" E, "armor: " }, /* CR alone */
	{ B, "missing '-----END AGE ENCRYPTED FILE-----' line" },
	{ B "AwoR\n", "missing '-----END" },
	{ B L48 "\n", "missing '-----END" },
	{ B "AwoR", "missing '-----END" }, /* no LF, no END */
	{ B "AwoR\n-----END AGE ENCRYPTED FILE", "missing '-----END" },
	{ B "AwoR\n" E "x", "data after the END line" },
	{ B "AwoR\n" E "\n" B "AwoR\n" E, "data after the END line" },
	{ B "\nAwoR\n" E, "empty line" },
	{ B "\r\nAwoR\n" E, "empty line" },
	{ B "AwoR\n\n" E, "a short line must be the last before END" },
	{ B "Version: 1\n\nAwoR\n" E, "not a multiple of 4" }, /* a PEM header */
	{ B "Aw==\nAwoR\n" E, "a short line must be the last" },
	{ B "AwoR\n" L48 "\n" E, "a short line must be the last" },
	/* A full-width line ending in padding is the last one too. */
	{ B "AwoRGB8mLTQ7QklQV15lbHN6gYiPlp2kq7K5wMfO1dzj6vH4/wYNFBsiKTA3PkU=\nAwoR\n" E,
	  "a short line must be the last" },
	{ B L48 "A\n" E, "line longer than 64 columns" },    /* 65 */
	{ B L48 "AAAA\n" E, "line longer than 64 columns" }, /* 68: past the line buffer */
	{ B L48 L48 "\n" E, "line longer than 64 columns" },
	{ B "Aw\n" E, "not a multiple of 4" }, /* unpadded */
	{ B "Aw=\n" E, "not a multiple of 4" },
	{ B "AwoR \n" E, "not a multiple of 4" }, /* trailing space */
	{ B " AwoR\n" E, "not a multiple of 4" }, /* leading space */
	{ B "AwoR\r\r\n" E, "not a multiple of 4" },
	{ B "Aw oR\n" E, "armor: " }, /* space inside */
	{ B "Ax==\n" E, "armor: " },  /* non-canonical bits */
	{ B "Aw=R\n" E, "armor: " },  /* padding inside */
	{ B "Aw-_\n" E, "armor: " },  /* base64url */
	{ B "AwoR\n-----END AGE ENCRYPTED FILE----- \n", "armor: " },
};

/* Reads everything from the armor reader in reads of step bytes. */
static int decode(const char *text, size_t len, size_t step, struct sg_buf *out)
{
	struct sg_mem_source m;
	struct sg_bufreader br;
	struct sg_armor_reader a;
	struct sg_reader r;
	uint8_t chunk[4096];
	ssize_t n;
	int rc = 0;

	if (sg_bufreader_init(&br, sg_mem_reader(&m, text, len)) < 0)
		return -1;
	sg_armor_reader_init(&a, &br);
	r = sg_armor_reader_as_reader(&a);
	while ((n = r.read(r.ctx, chunk, step)) > 0)
		if (sg_buf_append(out, chunk, (size_t)n) < 0)
			break;
	if (n < 0)
		rc = -1;
	sg_bufreader_free(&br);
	return rc;
}

/* Writes the first n pattern bytes through the armor writer in writes of
 * step bytes (0: one write per byte count 1, 2, 3, ... cycling). */
static int encode(const uint8_t *data, size_t n, size_t step, struct sg_buf *out)
{
	struct sg_armor_writer a;
	struct sg_writer w;
	size_t off = 0, k = 1;
	int rc = 0;

	sg_armor_writer_init(&a, sg_buf_writer(out));
	w = sg_armor_writer_as_writer(&a);
	while (off < n && rc == 0) {
		size_t take = step ? step : k++;
		if (take > n - off)
			take = n - off;
		rc = sg_write(&w, data + off, take);
		off += take;
	}
	if (rc == 0)
		rc = sg_writer_close(&w);
	sg_armor_writer_free(&a);
	return rc;
}

/* b holds exactly the n bytes at p. */
static int same(const struct sg_buf *b, const void *p, size_t n)
{
	return b->len == n && (n == 0 || memcmp(b->data, p, n) == 0);
}

static const size_t steps[] = { 1, 2, 3, 47, 48, 49, 4096 };

int main(void)
{
	uint8_t pat[256];
	struct sg_buf out = SG_BUF_INIT;

	for (size_t i = 0; i < sizeof(pat); i++)
		pat[i] = (uint8_t)(i * 7 + 3);

	for (size_t i = 0; i < sizeof(exact) / sizeof(exact[0]); i++) {
		const char *t = exact[i].armored;
		for (size_t s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
			CHECK(decode(t, strlen(t), steps[s], &out) == 0);
			CHECK(same(&out, pat, exact[i].n));
			sg_buf_free(&out);
			CHECK(encode(pat, exact[i].n, steps[s], &out) == 0);
			CHECK(same(&out, t, strlen(t)));
			sg_buf_free(&out);
		}
		CHECK(encode(pat, exact[i].n, 0, &out) == 0);
		CHECK(same(&out, t, strlen(t)));
		sg_buf_free(&out);
	}
	for (size_t i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++) {
		const char *t = accepted[i].armored;
		for (size_t s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
			CHECK(decode(t, strlen(t), steps[s], &out) == 0);
			CHECK(same(&out, pat, accepted[i].n));
			sg_buf_free(&out);
		}
	}
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		const char *t = refused[i].armored;
		for (size_t s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
			sg_errclear();
			CHECK(decode(t, strlen(t), steps[s], &out) == -1);
			CHECK(strncmp(sg_errmsg(), "armor: ", 7) == 0);
			CHECK(strstr(sg_errmsg(), refused[i].msg) != NULL);
			sg_buf_free(&out);
		}
	}

	/* A large payload round-trips, and every line of it but the last
	 * is 64 columns. */
	{
		static uint8_t big[100000];
		for (size_t i = 0; i < sizeof(big); i++)
			big[i] = (uint8_t)(i * 7 + 3);
		CHECK(encode(big, sizeof(big), 1000, &out) == 0);
		{
			size_t col = 0, lines = 0, bad = 0;
			const char *body = (const char *)out.data + strlen(B);
			size_t blen = out.len - strlen(B) - strlen(E);
			for (size_t i = 0; i < blen; i++) {
				if (body[i] != '\n') {
					col++;
					continue;
				}
				lines++;
				if (col != 64 && i + 1 != blen)
					bad++;
				col = 0;
			}
			CHECK(bad == 0 && lines == (sizeof(big) + 47) / 48);
			CHECK(memcmp(out.data, B, strlen(B)) == 0);
			CHECK(memcmp(out.data + out.len - strlen(E), E, strlen(E)) == 0);
		}
		{
			struct sg_buf dec = SG_BUF_INIT;
			CHECK(decode((const char *)out.data, out.len, 4096, &dec) == 0);
			CHECK(dec.len == sizeof(big) && memcmp(dec.data, big, sizeof(big)) == 0);
			sg_buf_free(&dec);
		}
		sg_buf_free(&out);
	}

	/* sg_armor_detect: after any whitespace, "-----BEGIN"; consumes
	 * nothing. */
	{
		static const struct {
			const char *text;
			int want;
		} det[] = {
			{ B "AwoR\n" E, 1 },
			{ " \r\n\t" B, 1 },
			{ "-----BEGIN", 1 },
			{ "-----BEGIN PGP MESSAGE-----\n", 1 }, /* any PEM: the decoder judges */
			{ "-----BEGI", 0 },
			{ "", 0 },
			{ "   ", 0 },
			{ "age-encryption.org/v1\n", 0 },
			{ "x-----BEGIN", 0 },
		};
		for (size_t i = 0; i < sizeof(det) / sizeof(det[0]); i++) {
			struct sg_mem_source m;
			struct sg_bufreader br;
			const uint8_t *p;
			size_t len = strlen(det[i].text);
			CHECK(sg_bufreader_init(&br, sg_mem_reader(&m, det[i].text, len)) == 0);
			CHECK(sg_armor_detect(&br) == det[i].want);
			CHECK(sg_bufreader_peek(&br, len, &p) == (ssize_t)len);
			CHECK(memcmp(p, det[i].text, len) == 0);
			sg_bufreader_free(&br);
		}
	}
	return check_done();
}
