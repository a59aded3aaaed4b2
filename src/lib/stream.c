#include "stream.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "err.h"

#define SEALED_CHUNK (SG_STREAM_CHUNK_SIZE + SG_AEAD_TAG_LEN)
/* Chunks per batch: 1 MiB of payload per read and write system call. */
#define BATCH_CHUNKS 16

/* What can go wrong with one chunk; the lowest failing chunk is reported. */
enum chunk_error { CHUNK_OK, CHUNK_TRUNCATED, CHUNK_EMPTY_FINAL, CHUNK_AUTH, CHUNK_INTERNAL };

struct batch {
	int decrypt;
	const uint8_t *in;
	size_t inlen;
	uint8_t *out;
	uint64_t counter0; /* counter of the batch's first chunk */
	int final;         /* the batch ends the payload */
	size_t nchunks;
};

struct range_result {
	enum chunk_error error;
	uint64_t chunk;
};

static void chunk_nonce(uint8_t nonce[12], uint64_t counter, int last)
{
	memset(nonce, 0, 12);
	for (int i = 0; i < 8; i++)
		nonce[10 - i] = (uint8_t)(counter >> (8 * i));
	nonce[11] = last ? 1 : 0;
}

/* Seals or opens chunks [from, to) of a batch. */
static struct range_result run_range(struct sg_aead *a, const struct batch *b, size_t from,
				     size_t to)
{
	const size_t insz = b->decrypt ? SEALED_CHUNK : SG_STREAM_CHUNK_SIZE;
	const size_t outsz = b->decrypt ? SG_STREAM_CHUNK_SIZE : SEALED_CHUNK;
	struct range_result r = { CHUNK_OK, 0 };
	uint8_t nonce[12];

	for (size_t i = from; i < to; i++) {
		size_t off = i * insz, take = b->inlen - off < insz ? b->inlen - off : insz;
		uint64_t counter = b->counter0 + i;
		int last = b->final && i == b->nchunks - 1;

		r.chunk = counter;
		chunk_nonce(nonce, counter, last);
		if (!b->decrypt) {
			if (sg_aead_seal(a, nonce, NULL, 0, b->in + off, take, b->out + i * outsz) < 0)
				r.error = CHUNK_INTERNAL;
		} else if (take < SG_AEAD_TAG_LEN) {
			r.error = CHUNK_TRUNCATED;
		} else if (last && take == SG_AEAD_TAG_LEN && counter > 0) {
			r.error = CHUNK_EMPTY_FINAL;
		} else if (sg_aead_open(a, nonce, NULL, 0, b->in + off, take, b->out + i * outsz) < 0) {
			r.error = CHUNK_AUTH;
		}
		if (r.error != CHUNK_OK)
			return r;
	}
	return r;
}

/* A second thread that runs the first half of each batch. */
struct worker {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct sg_aead *aead;
	const struct batch *job;
	size_t from, to;
	int busy, quit;
	struct range_result result;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->busy && !w->quit)
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->quit)
			break;
		pthread_mutex_unlock(&w->mu);
		struct range_result r = run_range(w->aead, w->job, w->from, w->to);
		pthread_mutex_lock(&w->mu);
		w->result = r;
		w->busy = 0;
		pthread_cond_broadcast(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

struct engine {
	struct sg_aead *aead;
	struct worker w;
	int have_worker;
};

static int engine_init(struct engine *e, const uint8_t key[SG_STREAM_KEY_LEN])
{
	memset(e, 0, sizeof(*e));
	if (!(e->aead = sg_aead_new(SG_CHACHA20_POLY1305, key, 12)))
		return -1;
	/* Without a second thread the engine still works, on one core. */
	if (!(e->w.aead = sg_aead_new(SG_CHACHA20_POLY1305, key, 12)))
		return 0;
	pthread_mutex_init(&e->w.mu, NULL);
	pthread_cond_init(&e->w.cv, NULL);
	if (pthread_create(&e->w.thread, NULL, worker_main, &e->w) != 0) {
		pthread_mutex_destroy(&e->w.mu);
		pthread_cond_destroy(&e->w.cv);
		sg_aead_free(e->w.aead);
		e->w.aead = NULL;
		return 0;
	}
	e->have_worker = 1;
	return 0;
}

static void engine_free(struct engine *e)
{
	if (e->have_worker) {
		pthread_mutex_lock(&e->w.mu);
		e->w.quit = 1;
		pthread_cond_broadcast(&e->w.cv);
		pthread_mutex_unlock(&e->w.mu);
		pthread_join(e->w.thread, NULL);
		pthread_mutex_destroy(&e->w.mu);
		pthread_cond_destroy(&e->w.cv);
	}
	sg_aead_free(e->w.aead);
	sg_aead_free(e->aead);
}

static int fail_chunk(struct range_result r)
{
	unsigned long long c = (unsigned long long)r.chunk;

	switch (r.error) {
	case CHUNK_TRUNCATED:
		return sg_fail("payload is truncated (chunk %llu)", c);
	case CHUNK_EMPTY_FINAL:
		return sg_fail("payload ends with an empty chunk");
	case CHUNK_AUTH:
		return sg_fail("payload authentication failed at chunk %llu (the file is truncated "
			       "or altered)", c);
	default:
		return sg_fail("payload cipher failed at chunk %llu", c);
	}
}

/* Runs a whole batch: the worker takes the first half, this thread the
 * rest; the earliest failing chunk wins. */
static int engine_run(struct engine *e, struct batch *b)
{
	const size_t insz = b->decrypt ? SEALED_CHUNK : SG_STREAM_CHUNK_SIZE;
	size_t half;
	struct range_result mine, theirs = { CHUNK_OK, 0 };

	b->nchunks = b->inlen ? (b->inlen + insz - 1) / insz : 1;
	half = e->have_worker ? b->nchunks / 2 : 0;
	if (half) {
		pthread_mutex_lock(&e->w.mu);
		e->w.job = b;
		e->w.from = 0;
		e->w.to = half;
		e->w.busy = 1;
		pthread_cond_broadcast(&e->w.cv);
		pthread_mutex_unlock(&e->w.mu);
	}
	mine = run_range(e->aead, b, half, b->nchunks);
	if (half) {
		pthread_mutex_lock(&e->w.mu);
		while (e->w.busy)
			pthread_cond_wait(&e->w.cv, &e->w.mu);
		theirs = e->w.result;
		pthread_mutex_unlock(&e->w.mu);
	}
	if (theirs.error != CHUNK_OK)
		return fail_chunk(theirs);
	if (mine.error != CHUNK_OK)
		return fail_chunk(mine);
	return 0;
}

/* Reads up to len bytes, then one more to learn whether input goes on:
 * *more is set when it does, and *extra holds that byte. */
static ssize_t read_batch(struct sg_reader *in, uint8_t *buf, size_t len, int *more, uint8_t *extra)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = in->read(in->ctx, buf + got, len - got);
		if (n < 0)
			return -1;
		if (n == 0) {
			*more = 0;
			return (ssize_t)got;
		}
		got += (size_t)n;
	}
	n = in->read(in->ctx, extra, 1);
	if (n < 0)
		return -1;
	*more = n == 1;
	return (ssize_t)got;
}

static int run_stream(const uint8_t key[SG_STREAM_KEY_LEN], int decrypt, struct sg_reader in,
		      struct sg_writer out)
{
	const size_t insz = decrypt ? SEALED_CHUNK : SG_STREAM_CHUNK_SIZE;
	const size_t outsz = decrypt ? SG_STREAM_CHUNK_SIZE : SEALED_CHUNK;
	const size_t inbatch = BATCH_CHUNKS * insz, outbatch = BATCH_CHUNKS * outsz;
	uint8_t *inbuf = malloc(inbatch), *outbuf = malloc(outbatch), extra = 0;
	struct batch b = { .decrypt = decrypt };
	struct engine e;
	size_t carry = 0;
	int more = 1, rc = -1, engine_ok;

	engine_ok = engine_init(&e, key) == 0;
	if (!inbuf || !outbuf) {
		sg_fail("out of memory");
		goto out;
	}
	if (!engine_ok)
		goto out;
	while (more) {
		ssize_t n;

		if (carry)
			inbuf[0] = extra;
		n = read_batch(&in, inbuf + carry, inbatch - carry, &more, &extra);
		if (n < 0)
			goto out;
		b.in = inbuf;
		b.inlen = (size_t)n + carry;
		b.out = outbuf;
		b.final = !more;
		carry = more;
		if (decrypt && b.inlen == 0) {
			sg_fail("payload is missing (no chunks)");
			goto out;
		}
		if (engine_run(&e, &b) < 0)
			goto out;
		size_t outlen = decrypt ? b.inlen - b.nchunks * SG_AEAD_TAG_LEN
					: b.inlen + b.nchunks * SG_AEAD_TAG_LEN;
		if (outlen && sg_write(&out, outbuf, outlen) < 0)
			goto out;
		b.counter0 += b.nchunks;
	}
	rc = 0;
out:
	if (engine_ok)
		engine_free(&e);
	/* Whichever side held plaintext is wiped. */
	if (inbuf)
		sg_wipe(inbuf, inbatch);
	if (outbuf)
		sg_wipe(outbuf, outbatch);
	free(inbuf);
	free(outbuf);
	return rc;
}

int sg_stream_encrypt(const uint8_t key[SG_STREAM_KEY_LEN], struct sg_reader in,
		      struct sg_writer out)
{
	return run_stream(key, 0, in, out);
}

int sg_stream_decrypt(const uint8_t key[SG_STREAM_KEY_LEN], struct sg_reader in,
		      struct sg_writer out)
{
	return run_stream(key, 1, in, out);
}
