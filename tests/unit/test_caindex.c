/* The CA index: OpenSSL index.txt lines round-trip, bad lines are refused
 * with their number, serials and reasons normalise. */
#include <stdlib.h>

#include "caindex.h"
#include "check.h"
#include "err.h"

/* Lines as `openssl ca` writes them (tab-separated). */
static const char good[] =
	"V\t271224060304Z\t\t67DAEC2F811C31B36D46FB6B18D9F2F6\twww.example.org/cert.pem\t/CN=www.example.org\n"
	"R\t271224060304Z\t261122060304Z,keyCompromise\t01\tunknown\t/CN=client\n"
	"R\t20551224060304Z\t261122060304Z\t0A0B\tunknown\t/CN=long lived/O=Example Org\n"
	"E\t200101000000Z\t\tFF\tunknown\t\n";

static const char *const bad[] = {
	"V\t271224060304Z\t\t01\tf\n",				   /* 5 fields */
	"V\t271224060304Z\t\t01\tf\t/CN=x\textra\n",		   /* 7 fields */
	"X\t271224060304Z\t\t01\tf\t/CN=x\n",			   /* status */
	"V\t2712240603Z\t\t01\tf\t/CN=x\n",			   /* time */
	"V\t271324060304Z\t\t01\tf\t/CN=x\n",			   /* month 13 */
	"V\t271224060304Z\t261122060304Z\t01\tf\t/CN=x\n",	   /* revoked time on V */
	"R\t271224060304Z\t261122060304Z,because\t01\tf\t/CN=x\n", /* reason */
	"V\t271224060304Z\t\t1\tf\t/CN=x\n",			   /* odd serial */
	"V\t271224060304Z\t\tab\tf\t/CN=x\n",			   /* lower-case serial */
	"V\t271224060304Z\t\t01\tf\t/CN=x",			   /* no newline */
	"V\t271224060304Z\t\t01\tf\t/CN=\x01\n",		   /* control char */
	"V\t271224060304Z\t\t01\tf\t/CN=a\nV\t271224060304Z\t\t01\tg\t/CN=b\n", /* duplicate serial */
};

int main(void)
{
	struct sg_ca_index idx = SG_CA_INDEX_INIT;
	struct sg_buf out = SG_BUF_INIT;
	char s[SG_CA_SERIAL_MAX + 1], t[SG_CA_TIME_MAX + 1];
	time_t when;
	int r;

	CHECK(sg_ca_index_parse((const uint8_t *)good, strlen(good), "index.txt", &idx) == 0);
	CHECK(idx.n == 4);
	CHECK(idx.e[1].status == 'R' && idx.e[1].reason == 1 &&
	      !strcmp(idx.e[1].revoked, "261122060304Z"));
	CHECK(idx.e[2].reason == SG_CA_NO_REASON);
	CHECK_STR(idx.e[2].subject, "/CN=long lived/O=Example Org");
	CHECK(sg_ca_index_format(&idx, &out) == 0);
	CHECK(out.len == strlen(good) && memcmp(out.data, good, out.len) == 0);
	CHECK(sg_ca_index_find(&idx, "67:da:ec:2f:81:1c:31:b3:6d:46:fb:6b:18:d9:f2:f6") == &idx.e[0]);
	CHECK(sg_ca_index_find(&idx, "0x1") == &idx.e[1]);
	CHECK(sg_ca_index_find(&idx, "a0b") == &idx.e[2]);
	CHECK(sg_ca_index_find(&idx, "02") == NULL);
	sg_buf_free(&out);
	sg_ca_index_free(&idx);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(sg_ca_index_parse((const uint8_t *)bad[i], strlen(bad[i]), "index.txt", &idx) <
		      0);
		CHECK(strncmp(sg_errmsg(), "index.txt: line ", 16) == 0);
		CHECK(idx.n == 0);
	}
	CHECK(sg_ca_index_parse((const uint8_t *)"", 0, "index.txt", &idx) == 0 && idx.n == 0);

	CHECK(sg_ca_serial_normalise("00:AB", s) == 0 && !strcmp(s, "AB"));
	CHECK(sg_ca_serial_normalise("abc", s) == 0 && !strcmp(s, "0ABC"));
	CHECK(sg_ca_serial_normalise("xyz", s) < 0);
	CHECK(sg_ca_serial_normalise("", s) < 0);

	CHECK(sg_ca_time_parse("700101000000Z", &when) == 0 && when == 0);
	CHECK(sg_ca_time_parse("20500101000000Z", &when) == 0 && when == 2524608000);
	CHECK(sg_ca_time_parse("491231235959Z", &when) == 0 && when == 2524607999);
	sg_ca_time_format(2524607999, t);
	CHECK_STR(t, "491231235959Z");
	sg_ca_time_format(2524608000, t);
	CHECK_STR(t, "20500101000000Z");

	CHECK(sg_ca_reason_parse("key-compromise", &r) == 0 && r == 1);
	CHECK(sg_ca_reason_parse("CACOMPROMISE", &r) == 0 && r == 2);
	CHECK(sg_ca_reason_parse("certificateHold", &r) < 0);
	CHECK_STR(sg_ca_reason_name(5), "cessationOfOperation");
	CHECK(sg_ca_reason_name(6) == NULL);
	return check_done();
}
