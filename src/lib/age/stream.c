#include "stream.h"

#include <pthread.h>
#include <stdio.h>
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
	int final;	   /* the batch ends the payload */
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
static struct range_result run_range(struct sg_aead *a, const struct batch *b, size_t from, size_t to)
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
		} else if (sg_aead_open(a, nonce, NULL, 0, b->in + off, take, b->out + i * outsz) <
			   0) {
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
	int have_worker, tried_worker;
};

static int engine_init(struct engine *e, const uint8_t key[SG_STREAM_KEY_LEN])
{
	memset(e, 0, sizeof(*e));
	if (!(e->aead = sg_aead_new(SG_CHACHA20_POLY1305, key, 12)))
		return -1;
	/* Without a second thread the engine still works, on one core. */
	e->w.aead = sg_aead_new(SG_CHACHA20_POLY1305, key, 12);
	return 0;
}

/* The second thread starts with the first batch it can share in: a
 * payload of one chunk (a SOPS data key, most key files) is opened on
 * this thread alone, with no thread made and joined for it, and so
 * takes the same path every time. */
static void engine_start_worker(struct engine *e)
{
	if (e->tried_worker || !e->w.aead)
		return;
	e->tried_worker = 1;
	pthread_mutex_init(&e->w.mu, NULL);
	pthread_cond_init(&e->w.cv, NULL);
	if (pthread_create(&e->w.thread, NULL, worker_main, &e->w) != 0) {
		pthread_mutex_destroy(&e->w.mu);
		pthread_cond_destroy(&e->w.cv);
		return;
	}
	e->have_worker = 1;
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
	case CHUNK_TRUNCATED: return sg_fail("payload is truncated (chunk %llu)", c);
	case CHUNK_EMPTY_FINAL: return sg_fail("payload ends with an empty chunk");
	case CHUNK_AUTH:
		return sg_fail("payload authentication failed at chunk %llu (the file is truncated "
			       "or altered)",
			       c);
	default: return sg_fail("payload cipher failed at chunk %llu", c);
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
	if (b->nchunks >= 2)
		engine_start_worker(e);
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

/* Input is read ahead by a thread into a ring of batch-sized buffers, so
 * that read(2) overlaps the cipher. A short batch ends the input; a full
 * one is final when the batch after it is empty. */
#define PREFETCH_SLOTS 3

struct prefetch {
	struct sg_reader in;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uint8_t *buf[PREFETCH_SLOTS];
	size_t len[PREFETCH_SLOTS];
	size_t size;		/* bytes per slot */
	unsigned head, count;	/* filled slots are head .. head+count-1 */
	int done, failed, stop; /* input ended / read failed / told to stop */
	char err[512];
};

/* Fills one slot completely unless the input ends; -1 on a read error. */
static ssize_t read_full_batch(struct sg_reader *in, uint8_t *buf, size_t size)
{
	size_t got = 0;

	while (got < size) {
		ssize_t n = in->read(in->ctx, buf + got, size - got);
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

static void *prefetch_main(void *arg)
{
	struct prefetch *p = arg;
	unsigned slot = 0;

	for (;;) {
		ssize_t n;

		pthread_mutex_lock(&p->mu);
		while (p->count == PREFETCH_SLOTS && !p->stop)
			pthread_cond_wait(&p->cv, &p->mu);
		if (p->stop) {
			pthread_mutex_unlock(&p->mu);
			return NULL;
		}
		slot = (p->head + p->count) % PREFETCH_SLOTS;
		pthread_mutex_unlock(&p->mu);

		n = read_full_batch(&p->in, p->buf[slot], p->size);

		pthread_mutex_lock(&p->mu);
		if (n < 0) {
			snprintf(p->err, sizeof(p->err), "%s", sg_errmsg());
			p->failed = 1;
		} else {
			p->len[slot] = (size_t)n;
			p->count++;
			if ((size_t)n < p->size)
				p->done = 1;
		}
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
		if (n < 0 || (size_t)n < p->size)
			return NULL;
	}
}

static int prefetch_start(struct prefetch *p, struct sg_reader in, size_t size)
{
	memset(p, 0, sizeof(*p));
	p->in = in;
	p->size = size;
	for (int i = 0; i < PREFETCH_SLOTS; i++)
		if (!(p->buf[i] = malloc(size)))
			goto oom;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	if (pthread_create(&p->thread, NULL, prefetch_main, p) != 0) {
		pthread_mutex_destroy(&p->mu);
		pthread_cond_destroy(&p->cv);
		goto oom;
	}
	return 0;
oom:
	for (int i = 0; i < PREFETCH_SLOTS; i++)
		free(p->buf[i]);
	return sg_fail("cannot start the input thread");
}

/* Waits until at least want slots are filled or the input has ended;
 * returns the filled count, or -1 when reading failed. */
static int prefetch_wait(struct prefetch *p, unsigned want)
{
	int n;

	pthread_mutex_lock(&p->mu);
	while (p->count < want && !p->done && !p->failed)
		pthread_cond_wait(&p->cv, &p->mu);
	n = p->failed ? -1 : (int)p->count;
	pthread_mutex_unlock(&p->mu);
	if (n < 0)
		sg_fail("%s", p->err);
	return n;
}

/* The batch at the head of the ring: its bytes, and whether it ends the
 * input. -1 on a read error. */
static int prefetch_next(struct prefetch *p, const uint8_t **data, size_t *len, int *final)
{
	int filled = prefetch_wait(p, 1);

	if (filled < 0)
		return -1;
	*data = p->buf[p->head];
	*len = p->len[p->head];
	if (*len < p->size) {
		*final = 1;
		return 0;
	}
	/* A full batch: final only if nothing follows it. */
	filled = prefetch_wait(p, 2);
	if (filled < 0)
		return -1;
	*final = filled == 1 || p->len[(p->head + 1) % PREFETCH_SLOTS] == 0;
	return 0;
}

static void prefetch_release(struct prefetch *p)
{
	pthread_mutex_lock(&p->mu);
	p->head = (p->head + 1) % PREFETCH_SLOTS;
	p->count--;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

static void prefetch_stop(struct prefetch *p)
{
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	pthread_join(p->thread, NULL);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	for (int i = 0; i < PREFETCH_SLOTS; i++) {
		/* The slots held plaintext when encrypting. */
		sg_wipe(p->buf[i], p->size);
		free(p->buf[i]);
	}
}

static int run_stream(const uint8_t key[SG_STREAM_KEY_LEN], int decrypt, struct sg_reader in,
		      struct sg_writer out)
{
	const size_t insz = decrypt ? SEALED_CHUNK : SG_STREAM_CHUNK_SIZE;
	const size_t outsz = decrypt ? SG_STREAM_CHUNK_SIZE : SEALED_CHUNK;
	const size_t inbatch = BATCH_CHUNKS * insz, outbatch = BATCH_CHUNKS * outsz;
	uint8_t *outbuf = malloc(outbatch), *direct;
	struct batch b = { .decrypt = decrypt };
	struct prefetch pf;
	struct engine e;
	int rc = -1, engine_ok, prefetching = 0;

	engine_ok = engine_init(&e, key) == 0;
	if (!outbuf) {
		sg_fail("out of memory");
		goto out;
	}
	if (!engine_ok)
		goto out;
	/* Input in memory is used where it lies; other input is read ahead. */
	if (!in.view) {
		if (prefetch_start(&pf, in, inbatch) < 0)
			goto out;
		prefetching = 1;
	}
	do {
		if (in.view) {
			int more;
			b.inlen = in.view(in.ctx, inbatch, &b.in, &more);
			b.final = !more;
		} else if (prefetch_next(&pf, &b.in, &b.inlen, &b.final) < 0) {
			goto out;
		}
		if (decrypt && b.inlen == 0) {
			sg_fail("payload is missing (no chunks)");
			goto out;
		}
		/* Sealed or opened straight into the writer's buffer if it
		 * lends one, saving a copy of the whole stream. */
		direct = out.reserve ? out.reserve(out.ctx, outbatch) : NULL;
		b.out = direct ? direct : outbuf;
		if (engine_run(&e, &b) < 0)
			goto out;
		size_t outlen = decrypt ? b.inlen - b.nchunks * SG_AEAD_TAG_LEN
					: b.inlen + b.nchunks * SG_AEAD_TAG_LEN;
		if (direct ? out.commit(out.ctx, outlen) < 0
			   : outlen && sg_write(&out, outbuf, outlen) < 0)
			goto out;
		b.counter0 += b.nchunks;
		if (prefetching)
			prefetch_release(&pf);
	} while (!b.final);
	rc = 0;
out:
	if (prefetching)
		prefetch_stop(&pf);
	if (engine_ok)
		engine_free(&e);
	if (outbuf)
		sg_wipe(outbuf, outbatch);
	free(outbuf);
	return rc;
}

int sg_stream_encrypt(const uint8_t key[SG_STREAM_KEY_LEN], struct sg_reader in, struct sg_writer out)
{
	return run_stream(key, 0, in, out);
}

int sg_stream_decrypt(const uint8_t key[SG_STREAM_KEY_LEN], struct sg_reader in, struct sg_writer out)
{
	return run_stream(key, 1, in, out);
}
