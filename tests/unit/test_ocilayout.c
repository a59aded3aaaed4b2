/* test_ocilayout.c - OCI image layouts (ocilayout.h): layouts umoci
 * writes (init, new, insert twice, a second tag), read back and compared
 * with what Python's json module reads from the same files; then each
 * refusal on a copy changed in one place: a blob's byte, a descriptor's
 * size, a missing tag, a nested index, a sha512 digest, a bad
 * oci-layout, a foreign layer. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "runcmd.h"
#include "err.h"
#include "ocilayout.h"

static char tmp[] = "/tmp/test_ocilayout.XXXXXX";

/* Python's reading of layout L's tag: "MANIFEST CONFIG LAYER..." with
 * each digest's hex and size. */
static void python_view(const char *layout, const char *tag, char *out, size_t cap)
{
	char cmd[2048];
	FILE *p;
	size_t n;

	snprintf(cmd, sizeof(cmd),
		 "python3 -c 'import json,sys\n"
		 "L=sys.argv[1]\n"
		 "m=[d for d in json.load(open(L+\"/index.json\"))[\"manifests\"] "
		 "if d[\"annotations\"][\"org.opencontainers.image.ref.name\"]==sys.argv[2]][0]\n"
		 "b=json.load(open(L+\"/blobs/sha256/\"+m[\"digest\"][7:]))\n"
		 "ds=[m,b[\"config\"]]+b[\"layers\"]\n"
		 "print(\" \".join(d[\"digest\"][7:]+\":\"+str(d[\"size\"]) for d in ds))' '%s' '%s'",
		 layout, tag);
	p = popen(cmd, "r");
	n = p ? fread(out, 1, cap - 1, p) : 0;
	out[n] = '\0';
	out[strcspn(out, "\n")] = '\0';
	if (p)
		pclose(p);
}

static void our_view(const struct sg_oci_image *img, char *out, size_t cap)
{
	size_t at = 0;
	const struct sg_oci_desc *ds[2 + SG_OCI_MAX_LAYERS] = { &img->manifest, &img->config };

	for (size_t i = 0; i < img->nlayers; i++)
		ds[2 + i] = &img->layers[i];
	out[0] = '\0';
	for (size_t i = 0; i < 2 + img->nlayers && at < cap; i++)
		at += (size_t)snprintf(out + at, cap - at, "%s%s:%llu", i ? " " : "", ds[i]->hex,
				       (unsigned long long)ds[i]->size);
}

static char layout[700];

static void make_layout(void)
{
	snprintf(layout, sizeof(layout), "%s/img", tmp);
	CHECK(run("cd '%s' && mkdir -p a b && echo one > a/f && echo two > b/g && "
		  "umoci init --layout img && umoci new --image img:base && "
		  "umoci insert --image img:base a / && umoci insert --image img:base b /opt && "
		  "umoci tag --image img:base v1 && umoci insert --image img:v1 a /again",
		  tmp) == 0);
}

static void check_umoci(void)
{
	struct sg_oci_image img;
	char ours[4096], theirs[4096];

	for (int i = 0; i < 2; i++) {
		const char *tag = i ? "v1" : "base";
		CHECK(sg_oci_layout_open(layout, tag, &img) == 0);
		if (sg_errmsg()[0] && img.nlayers == 0)
			fprintf(stderr, "  %s: %s\n", tag, sg_errmsg());
		CHECK(img.nlayers == (i ? 3u : 2u));
		CHECK(img.layers[0].compression == SG_OCI_GZIP);
		our_view(&img, ours, sizeof(ours));
		python_view(layout, tag, theirs, sizeof(theirs));
		CHECK(theirs[0] != '\0');
		CHECK_STR(ours, theirs);
	}
	/* two tags and none asked for */
	CHECK(sg_oci_layout_open(layout, NULL, &img) == -1);
	CHECK(strstr(sg_errmsg(), "2 manifests and no tag to choose one") != NULL);
}

/* A copy of the layout changed by cmd (run in it), then opened: the
 * error must hold want. */
static void refused(const char *cmd, const char *want)
{
	char copy[800];
	struct sg_oci_image img;

	snprintf(copy, sizeof(copy), "%s/bad", tmp);
	CHECK(run("rm -rf '%s' && cp -a '%s' '%s' && cd '%s' && %s", copy, layout, copy, copy,
		  cmd) == 0);
	CHECK(sg_oci_layout_open(copy, "base", &img) == -1);
	CHECK(strstr(sg_errmsg(), want) != NULL);
	if (!strstr(sg_errmsg(), want))
		fprintf(stderr, "  %s: got '%s', wanted '%s'\n", cmd, sg_errmsg(), want);
}

/* the manifest blob of base, as a shell expression */
#define MANIFEST                                                                                   \
	"blobs/sha256/$(python3 -c 'import json;print([d for d in json.load(open(\"index.json\"))" \
	"[\"manifests\"] if d[\"annotations\"][\"org.opencontainers.image.ref.name\"]==\"base\"]"  \
	"[0][\"digest\"][7:])')"
/* rewrites index.json with a Python expression over d (base's entry) */
#define EDIT_INDEX(expr)                                                                                                  \
	"python3 -c 'import json;j=json.load(open(\"index.json\"));"                                                      \
	"d=[d for d in j[\"manifests\"] if d[\"annotations\"][\"org.opencontainers.image.ref.name\"]==\"base\"][0];" expr \
	";json.dump(j,open(\"index.json\",\"w\"))'"

static void check_refusals(void)
{
	refused("printf ' ' >> " MANIFEST, "bytes, its descriptor says");
	refused("f=" MANIFEST " && sed -i 's/layers/lAyers/' $f", "its SHA-256 is");
	refused(EDIT_INDEX("d[\"size\"]+=1"), "bytes, its descriptor says");
	refused(EDIT_INDEX("d[\"annotations\"][\"org.opencontainers.image.ref.name\"]=\"other\""),
		"no manifest is tagged 'base'");
	refused(EDIT_INDEX("d[\"mediaType\"]=\"application/vnd.oci.image.index.v1+json\""),
		"the manifest is an index (a multi-platform image)");
	refused(EDIT_INDEX("d[\"digest\"]=\"sha512:\"+\"0\"*128"), "is not sha256");
	refused(EDIT_INDEX("d[\"digest\"]=d[\"digest\"].upper().replace(\"SHA256\",\"sha256\")"),
		"is not sha256:<64 lowercase hex>");
	refused("echo '{\"imageLayoutVersion\":\"2.0.0\"}' > oci-layout",
		"imageLayoutVersion is not");
	refused("rm oci-layout", "oci-layout");
}

/* Manifests parsed from text: a foreign layer, too many layers. */
static void check_manifest_text(void)
{
	static const char head[] =
		"{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
		"\"digest\":\"sha256:0000000000000000000000000000000000000000000000000000000000000000\","
		"\"size\":2},\"layers\":[";
	static const char foreign[] =
		"{\"mediaType\":\"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip\","
		"\"digest\":\"sha256:1111111111111111111111111111111111111111111111111111111111111111\","
		"\"size\":5}]}";
	static const char zstd[] =
		"{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+zstd\","
		"\"digest\":\"sha256:1111111111111111111111111111111111111111111111111111111111111111\","
		"\"size\":5}";
	struct sg_oci_image img;
	char text[40000];

	snprintf(text, sizeof(text), "%s%s", head, foreign);
	CHECK(sg_oci_manifest_parse("m", text, strlen(text), &img) == -1);
	CHECK(strstr(sg_errmsg(), "m: layer 1: media type") != NULL);
	snprintf(text, sizeof(text), "%s%s]}", head, zstd);
	CHECK(sg_oci_manifest_parse("m", text, strlen(text), &img) == 0 && img.nlayers == 1 &&
	      img.layers[0].compression == SG_OCI_ZSTD && img.layers[0].size == 5);
	snprintf(text, sizeof(text), "%s", head);
	for (int i = 0; i <= SG_OCI_MAX_LAYERS; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text), "%s%s", i ? "," : "",
			 zstd);
	strcat(text, "]}");
	CHECK(sg_oci_manifest_parse("m", text, strlen(text), &img) == -1);
	CHECK(strstr(sg_errmsg(), "129 layers, more than 128") != NULL);
}

int main(void)
{
	CHECK(mkdtemp(tmp) != NULL);
	make_layout();
	check_umoci();
	check_refusals();
	check_manifest_text();
	if (check_failed == 0)
		run("rm -rf '%s'", tmp);
	return check_done();
}
