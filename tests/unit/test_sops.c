/* test_sops.c - the sops value codec against sops's own known answer,
 * Go's number forms, the ENC[] parser and the document readers. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "crypto.h"
#include "err.h"
#include "sops.h"
#include "sopsdoc.h"
#include "yamldoc.h"

static void known_answer(void)
{
	/* sops aes/cipher_test.go: key 32 x 0x66, AAD "bar:" */
	static const char enc[] =
		"ENC[AES256_GCM,data:oYyi,iv:MyIDYbT718JRr11QtBkcj3Dwm4k1aCGZBVeZf0EyV8o=,"
		"tag:t5z2Z023Up0kxwCgw1gNxg==,type:str]";
	uint8_t key[32];
	struct sg_sops_node *v = NULL;
	struct sg_buf b = SG_BUF_INIT;

	memset(key, 0x66, sizeof(key));
	CHECK(sg_sops_decrypt_value(key, "bar:", enc, strlen(enc), &v) == 0);
	CHECK(v && v->kind == SG_SOPS_STR && v->len == 3 && !memcmp(v->str, "foo", 3));
	sg_sops_free(v);
	v = NULL;
	/* another AAD or key fails */
	CHECK(sg_sops_decrypt_value(key, "baz:", enc, strlen(enc), &v) == -1);
	key[0] ^= 1;
	CHECK(sg_sops_decrypt_value(key, "bar:", enc, strlen(enc), &v) == -1);
	key[0] ^= 1;
	/* a round trip of each type */
	{
		struct sg_sops_node in = { .kind = SG_SOPS_FLOAT, .number = 3.14 };
		CHECK(sg_sops_encrypt_value(key, "a:b:", &in, &b) == 0);
		CHECK(strstr((char *)b.data, ",type:float]") != NULL);
		CHECK(sg_sops_decrypt_value(key, "a:b:", (char *)b.data, b.len, &v) == 0);
		CHECK(v && v->kind == SG_SOPS_FLOAT && v->number == 3.14);
		sg_sops_free(v);
		sg_buf_free(&b);
	}
	{
		struct sg_sops_node in = { .kind = SG_SOPS_BOOL, .boolean = 1 };
		CHECK(sg_sops_encrypt_value(key, ":", &in, &b) == 0);
		CHECK(sg_sops_decrypt_value(key, ":", (char *)b.data, b.len, &v) == 0);
		CHECK(v && v->kind == SG_SOPS_BOOL && v->boolean == 1);
		sg_sops_free(v);
		sg_buf_free(&b);
	}
}

static void enc_parser(void)
{
	struct sg_sops_enc e;
	static const char *const bad[] = {
		"ENC[AES256_GCM,data:,iv:AAAA,tag:AAAAAAAAAAAAAAAAAAAAAA==,type:str]",
		"ENC[AES256_GCM,data:AAAA,iv:AAAA,tag:AAAA,type:str]",
		"ENC[AES256_GCM,data:AAAA,iv:AAAA,tag:AAAAAAAAAAAAAAAAAAAAAA==,type:str",
		"ENC[AES256_GCM,data:A===,iv:AAAA,tag:AAAAAAAAAAAAAAAAAAAAAA==,type:str]",
		"ENC[AES256_CBC,data:AAAA,iv:AAAA,tag:AAAAAAAAAAAAAAAAAAAAAA==,type:str]",
		"plain",
	};
	const char *good = "ENC[AES256_GCM,data:AAAA,iv:AAAA,tag:AAAAAAAAAAAAAAAAAAAAAA==,type:int]";

	CHECK(sg_sops_enc_parse(good, strlen(good), &e) == 0);
	CHECK(e.len == 3 && e.iv_len == 3 && !strcmp(e.type, "int"));
	sg_sops_enc_free(&e);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(sg_sops_enc_parse(bad[i], strlen(bad[i]), &e) == -1);
		sg_sops_enc_free(&e);
	}
}

static void go_numbers(void)
{
	/* strconv.FormatFloat(x, 'f', -1, 64), (x, 'g', -1, 64), encoding/json */
	static const struct {
		double d;
		const char *f, *g, *j;
	} v[] = {
		{ 3.14, "3.14", "3.14", "3.14" },
		{ 7, "7", "7", "7" },
		{ -0.5, "-0.5", "-0.5", "-0.5" },
		{ 1e6, "1000000", "1e+06", "1000000" },
		{ 123456, "123456", "123456", "123456" },
		{ 1.5e-10, "0.00000000015", "1.5e-10", "1.5e-10" },
		{ 1e21, "1000000000000000000000", "1e+21", "1e+21" },
		{ 0.0001, "0.0001", "0.0001", "0.0001" },
		{ 0.00001, "0.00001", "1e-05", "0.00001" },
		{ 0.1 + 0.2, "0.30000000000000004", "0.30000000000000004", "0.30000000000000004" },
	};
	char out[400];
	int64_t i;
	int b;
	double d;

	for (size_t k = 0; k < sizeof(v) / sizeof(v[0]); k++) {
		sg_go_format_float_f(v[k].d, out);
		CHECK_STR(out, v[k].f);
		sg_go_format_float_g(v[k].d, out);
		CHECK_STR(out, v[k].g);
		sg_go_format_float_json(v[k].d, out);
		CHECK_STR(out, v[k].j);
	}
	CHECK(sg_go_parse_int("-42", 3, &i) == 0 && i == -42);
	CHECK(sg_go_parse_int("4x", 2, &i) == -1);
	CHECK(sg_go_parse_int("99999999999999999999", 20, &i) == -1);
	CHECK(sg_go_parse_bool("True", 4, &b) == 0 && b == 1);
	CHECK(sg_go_parse_bool("F", 1, &b) == 0 && b == 0);
	CHECK(sg_go_parse_bool("yes", 3, &b) == -1);
	CHECK(sg_go_parse_float("1e3", 3, &d) == 0 && d == 1000);
	CHECK(sg_go_parse_float(" 1", 2, &d) == -1);
}

/* YAML reads into the types go-yaml gives, with comments, and writes back
 * unchanged when written in sops's style. */
static void yaml_round_trip(void)
{
	static const char doc[] = "# head\n"
				  "a: 1\n"
				  "b: 0x10\n"
				  "c: \"1\"\n"
				  "d: 1.5\n"
				  "e: true\n"
				  "f: null\n"
				  "g: text # inline\n"
				  "h:\n"
				  "    - x\n"
				  "    # between\n"
				  "    - k: v\n"
				  "      l: |\n"
				  "        two\n"
				  "        lines\n"
				  "i: {}\n"
				  "# tail\n";
	struct sg_sops_node *n = NULL;
	struct sg_buf out = SG_BUF_INIT;

	CHECK(sg_yaml_read("t", doc, strlen(doc), &n) == 0);
	if (!n)
		return;
	CHECK(n->items[0].value->kind == SG_SOPS_COMMENT);
	CHECK(sg_sops_get(n, "a")->kind == SG_SOPS_INT);
	CHECK(sg_sops_get(n, "b")->integer == 16);
	CHECK(sg_sops_get(n, "c")->kind == SG_SOPS_STR);
	CHECK(sg_sops_get(n, "d")->kind == SG_SOPS_FLOAT);
	CHECK(sg_sops_get(n, "e")->kind == SG_SOPS_BOOL);
	CHECK(sg_sops_get(n, "f")->kind == SG_SOPS_NULL);
	CHECK(sg_yaml_write(n, &out) == 0);
	/* 0x10 is written as 16 (sops does the same) */
	CHECK(out.len == strlen(doc) - 2);
	CHECK(sg_buf_terminate(&out) == 0 && strstr((char *)out.data, "b: 16\n") != NULL);
	CHECK(strstr((char *)out.data, "g: text # inline\n") != NULL);
	CHECK(strstr((char *)out.data, "    # between\n    - k: v\n") != NULL);
	sg_buf_free(&out);
	sg_sops_free(n);
	CHECK(sg_yaml_read("t", "a: 1\na: 2\n", 10, &n) == -1);
	CHECK(strstr(sg_errmsg(), "duplicate key") != NULL);
	CHECK(sg_yaml_read("t", "- 1\n", 4, &n) == -1);
	CHECK(sg_yaml_read("t", "a: [\n", 5, &n) == -1);
	CHECK(strstr(sg_errmsg(), "t: line ") == sg_errmsg());
}

/* JSON as sops writes it: tabs, ": ", Go's HTML-safe escapes, floats. */
static void json_and_dotenv(void)
{
	static const char in[] =
		"{\"a\": \"<&>\\u2028\", \"n\": 7, \"f\": 1e21, \"e\": [], \"o\": {\"x\": [1, true, null]}}";
	static const char want[] =
		"{\n\t\"a\": \"\\u003c\\u0026\\u003e\\u2028\",\n\t\"n\": 7,\n\t\"f\": 1e+21,\n"
		"\t\"e\": [],\n\t\"o\": {\n\t\t\"x\": [\n\t\t\t1,\n\t\t\ttrue,\n\t\t\tnull\n\t\t]\n\t}\n}\n";
	static const char env[] = "# c\nA=x\\ny=z\n\nB=\n";
	struct sg_sops_node *n = NULL;
	struct sg_buf out = SG_BUF_INIT;

	CHECK(sg_sops_json_read("t", in, strlen(in), &n) == 0);
	CHECK(n && sg_sops_get(n, "n")->kind == SG_SOPS_FLOAT); /* as Go decodes it */
	CHECK(n && sg_sops_json_write(n, &out) == 0);
	CHECK(out.len == strlen(want) && !memcmp(out.data, want, out.len));
	sg_sops_free(n);
	sg_buf_free(&out);
	CHECK(sg_sops_json_read("t", "[1]", 3, &n) == -1);

	CHECK(sg_sops_dotenv_read("t", env, strlen(env), &n) == 0);
	CHECK(n && n->n == 3 && n->items[0].value->kind == SG_SOPS_COMMENT);
	CHECK(n && sg_sops_get(n, "A")->len == 5 && !memcmp(sg_sops_get(n, "A")->str, "x\ny=z", 5));
	CHECK(n && sg_sops_dotenv_write(n, &out) == 0);
	CHECK(out.len == strlen(env) - 1 && !memcmp(out.data, "# c\nA=x\\ny=z\nB=\n", out.len));
	sg_sops_free(n);
	sg_buf_free(&out);
	CHECK(sg_sops_dotenv_read("t", "NOEQUALS\n", 9, &n) == -1);
	CHECK(strstr(sg_errmsg(), "line 1") != NULL);
}

/* The metadata reader of a dotenv file removes each sops_ key it reads;
 * one holding a NUL (fuzz_sops_file found it) was looked up again as a
 * C string, never found, and read forever. */
static void dotenv_meta_key_with_nul(void)
{
	static const char env[] = "sops_a\0b=1\nA=x\n";
	struct sg_sops_node *doc = NULL;
	struct sg_sops_meta meta = { 0 };

	CHECK(sg_sops_read_encrypted(SG_SOPS_DOTENV, "t", env, sizeof(env) - 1, &doc, &meta) == -1);
	CHECK(strstr(sg_errmsg(), "sops metadata") != NULL);
	sg_sops_free(doc);
	sg_sops_meta_free(&meta);
}

int main(void)
{
	known_answer();
	enc_parser();
	go_numbers();
	yaml_round_trip();
	json_and_dotenv();
	dotenv_meta_key_with_nul();
	return check_done();
}
