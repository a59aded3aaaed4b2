/* fuzz_registry - what registries and web servers answer: the HTTP
 * responses read by the registry client (registry.h: manifests, indexes,
 * blobs, ranges, errors, challenges) and by the TUF transports over a
 * registry (reloci.h) and over HTTP (tufhttp.h).
 *
 * The input is a list of responses, each [length (2 bytes, big-endian)]
 * [bytes: status line, headers, body, as sent]. A server thread of the
 * harness listens on a Unix socket (the clients connect there through
 * libcurl's --unix-socket, so no port number, which would change run to
 * run, enters any comparison) and answers the i-th request with the i-th
 * response, then closes; past the list, a 404. The first byte of the
 * input chooses the client:
 *   0 sg_oci_pull of 127.0.0.1:5000/fleet/x:t into a scratch layout;
 *   1 the registry transport: metadata/timestamp.json into memory;
 *   2 the registry transport: a target from offset 7 into a file;
 *   3 the HTTP transport: metadata/1.root.json, then a target from
 *     offset 7.
 * Every client bounds what it reads; none may crash or leak.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "fileio.h"
#include "refname.h"
#include "registry.h"
#include "reloci.h"
#include "tufhttp.h"

#define MAX_RESPONSES 16

static char dir[] = "/tmp/signet-fuzz-registry-XXXXXX";
static char sock_path[128], layout[128], target[128];
static int listen_fd = -1;

/* The responses of the current input, handed to the server thread. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static const uint8_t *resp[MAX_RESPONSES];
static size_t resp_len[MAX_RESPONSES], nresp, next_resp;
static uint8_t *input; /* the current input, the harness's own copy */

static const char not_found[] = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";

static void registry_fuzz_read(int fd)
{
	char buf[4096];
	size_t have = 0;
	/* up to the end of the headers; no request of these clients has a
	 * body (they only read) */
	while (have < sizeof(buf) - 1) {
		ssize_t n = read(fd, buf + have, sizeof(buf) - 1 - have);
		if (n <= 0)
			return;
		have += (size_t)n;
		buf[have] = '\0';
		if (strstr(buf, "\r\n\r\n"))
			return;
	}
}

static void *registry_fuzz_serve(void *arg)
{
	/* a copy: the input is gone once the client returns, and a request
	 * may still be answered after that */
	static uint8_t out[1u << 17];
	(void)arg;
	for (;;) {
		int fd = accept(listen_fd, NULL, NULL);
		if (fd < 0)
			continue;
		registry_fuzz_read(fd);
		pthread_mutex_lock(&lock);
		size_t len = sizeof(not_found) - 1;
		memcpy(out, not_found, len);
		if (next_resp < nresp) {
			len = resp_len[next_resp] < sizeof(out) ? resp_len[next_resp] : sizeof(out);
			memcpy(out, resp[next_resp], len);
			next_resp++;
		}
		pthread_mutex_unlock(&lock);
		for (size_t at = 0; at < len;) {
			ssize_t n = send(fd, out + at, len - at, MSG_NOSIGNAL);
			if (n <= 0)
				break;
			at += (size_t)n;
		}
		shutdown(fd, SHUT_RDWR);
		close(fd);
	}
	return NULL;
}

static void remove_dir(void)
{
	sg_remove_tree(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	pthread_t t;

	(void)argc;
	(void)argv;
	if (!mkdtemp(dir))
		abort();
	atexit(remove_dir);
	snprintf(sock_path, sizeof(sock_path), "%s/s", dir);
	snprintf(layout, sizeof(layout), "%s/layout", dir);
	snprintf(target, sizeof(target), "%s/target", dir);
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", sock_path);
	if ((listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    bind(listen_fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(listen_fd, 16) < 0 ||
	    pthread_create(&t, NULL, registry_fuzz_serve, NULL) != 0)
		abort();
	return 0;
}

static void pull(const struct sg_oci_remote *r)
{
	struct sg_oci_ref ref;
	char digest[SG_OCI_DIGEST_LEN + 1];

	if (sg_oci_ref_parse("127.0.0.1:5000/fleet/x:t", &ref) == 0)
		sg_oci_pull(&ref, r, layout, "t", digest);
	sg_remove_tree(layout);
}

static void fetch(struct sg_tuf_transport *t)
{
	struct sg_buf b = SG_BUF_INIT;
	static const char rel[] =
		"targets/hosts/a/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.x";

	t->get(t->ctx, "metadata/1.root.json", 1u << 16, &b);
	sg_buf_free(&b);
	int fd = open(target, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd >= 0) {
		t->get_file(t->ctx, rel, 7, 1u << 16, fd);
		close(fd);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sg_oci_remote r = { .ref_text = "fuzz", .plain_http = 1, .unix_socket = sock_path };
	struct sg_tuf_transport t;
	size_t at = 1;

	if (size < 1)
		return 0;
	pthread_mutex_lock(&lock);
	free(input);
	input = malloc(size);
	if (!input)
		abort();
	memcpy(input, data, size);
	data = input;
	nresp = next_resp = 0;
	while (nresp < MAX_RESPONSES && at + 2 <= size) {
		size_t n = (size_t)data[at] << 8 | data[at + 1];
		at += 2;
		if (n > size - at)
			n = size - at;
		resp[nresp] = data + at;
		resp_len[nresp++] = n;
		at += n;
	}
	pthread_mutex_unlock(&lock);

	switch (data[0] & 3) {
	case 0: pull(&r); break;
	case 1:
	case 2: {
		struct sg_release_oci o;
		if (sg_release_oci_transport(&o, "oci://127.0.0.1:5000/fleet/releases", &r, &t) == 0) {
			struct sg_buf b = SG_BUF_INIT;
			if ((data[0] & 3) == 1)
				t.get(t.ctx, "metadata/timestamp.json", 1u << 16, &b);
			else
				fetch(&t);
			sg_buf_free(&b);
		}
		sg_release_oci_free(&o);
		break;
	}
	case 3: {
		struct sg_tuf_http h;
		if (sg_tuf_http_transport(&h, "http://127.0.0.1:5000/repo", NULL, &t) == 0) {
			h.unix_socket = sock_path;
			fetch(&t);
		}
		sg_tuf_http_free(&h);
		break;
	}
	}
	return 0;
}
