#include "caindex.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "err.h"

#define FIELD_MAX 4096

static const char *const reasons[] = {
	"unspecified",	      "keyCompromise", "CACompromise",
	"affiliationChanged", "superseded",    "cessationOfOperation",
};
#define NREASONS (sizeof(reasons) / sizeof(reasons[0]))

const char *sg_ca_reason_name(int reason)
{
	return reason >= 0 && (size_t)reason < NREASONS ? reasons[reason] : NULL;
}

int sg_ca_reason_parse(const char *s, int *reason)
{
	char plain[64];
	size_t n = 0;

	for (const char *p = s; *p && n + 1 < sizeof(plain); p++)
		if (*p != '-' && *p != '_')
			plain[n++] = *p;
	plain[n] = '\0';
	for (size_t i = 0; i < NREASONS; i++)
		if (strcasecmp(plain, reasons[i]) == 0) {
			*reason = (int)i;
			return 0;
		}
	return sg_fail("unknown revocation reason '%s' (unspecified, keyCompromise, CACompromise, "
		       "affiliationChanged, superseded, cessationOfOperation)",
		       s);
}

static int all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

static int num(const char *s, size_t n)
{
	int v = 0;

	for (size_t i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

int sg_ca_time_parse(const char *s, time_t *out)
{
	size_t n = strlen(s);
	struct tm tm;
	const char *p = s;

	memset(&tm, 0, sizeof(tm));
	if ((n != 13 && n != 15) || s[n - 1] != 'Z' || !all_digits(s, n - 1))
		return sg_fail("'%s': not an ASN.1 time (YYMMDDHHMMSSZ)", s);
	if (n == 13) {
		tm.tm_year = num(p, 2);
		if (tm.tm_year < 50)
			tm.tm_year += 100; /* RFC 5280: UTCTime YY < 50 is 20YY */
		p += 2;
	} else {
		tm.tm_year = num(p, 4) - 1900;
		p += 4;
	}
	tm.tm_mon = num(p, 2) - 1;
	tm.tm_mday = num(p + 2, 2);
	tm.tm_hour = num(p + 4, 2);
	tm.tm_min = num(p + 6, 2);
	tm.tm_sec = num(p + 8, 2);
	if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
	    tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 59)
		return sg_fail("'%s': not a valid date", s);
	*out = timegm(&tm);
	return 0;
}

void sg_ca_time_format(time_t t, char out[SG_CA_TIME_MAX + 1])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	/* RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime after. */
	if (strftime(out, SG_CA_TIME_MAX + 1, "%Y%m%d%H%M%SZ", &tm) != SG_CA_TIME_MAX) {
		strcpy(out, "19700101000000Z"); /* years before 1000: never issued */
		return;
	}
	if (tm.tm_year >= 50 && tm.tm_year < 150)
		memmove(out, out + 2, SG_CA_TIME_MAX - 1); /* drop the century, keep the NUL */
}

int sg_ca_serial_normalise(const char *in, char out[SG_CA_SERIAL_MAX + 1])
{
	size_t n = 0;
	const char *p = in;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	for (; *p; p++) {
		if (*p == ':')
			continue;
		if (!isxdigit((unsigned char)*p) || n >= SG_CA_SERIAL_MAX)
			return sg_fail("'%s': not a serial number (hex, at most 20 bytes)", in);
		out[n++] = (char)toupper((unsigned char)*p);
	}
	if (n == 0)
		return sg_fail("'%s': not a serial number (hex, at most 20 bytes)", in);
	out[n] = '\0';
	/* Strip leading zero bytes so "00AB" and "AB" name the same serial. */
	if (n % 2) {
		memmove(out + 1, out, n + 1);
		out[0] = '0';
		n++;
	}
	while (n > 2 && out[0] == '0' && out[1] == '0') {
		memmove(out, out + 2, n - 1);
		n -= 2;
	}
	return 0;
}

void sg_ca_index_free(struct sg_ca_index *idx)
{
	for (size_t i = 0; i < idx->n; i++) {
		free(idx->e[i].file);
		free(idx->e[i].subject);
	}
	free(idx->e);
	idx->e = NULL;
	idx->n = idx->cap = 0;
}

int sg_ca_index_add(struct sg_ca_index *idx, const struct sg_ca_entry *e)
{
	struct sg_ca_entry *slot;

	if (idx->n == idx->cap) {
		size_t cap = idx->cap ? idx->cap * 2 : 16;
		struct sg_ca_entry *grown = realloc(idx->e, cap * sizeof(*grown));
		if (!grown)
			return sg_fail("out of memory");
		idx->e = grown;
		idx->cap = cap;
	}
	slot = &idx->e[idx->n];
	*slot = *e;
	slot->file = strdup(e->file);
	slot->subject = strdup(e->subject);
	if (!slot->file || !slot->subject) {
		free(slot->file);
		free(slot->subject);
		return sg_fail("out of memory");
	}
	idx->n++;
	return 0;
}

struct sg_ca_entry *sg_ca_index_find(struct sg_ca_index *idx, const char *serial)
{
	char want[SG_CA_SERIAL_MAX + 1];

	if (sg_ca_serial_normalise(serial, want) < 0)
		return NULL;
	for (size_t i = 0; i < idx->n; i++) {
		char have[SG_CA_SERIAL_MAX + 1];
		if (sg_ca_serial_normalise(idx->e[i].serial, have) == 0 && strcmp(have, want) == 0)
			return &idx->e[i];
	}
	sg_errclear();
	return NULL;
}

/* Fields are printable ASCII without tabs (subjects may hold spaces). */
static int field_ok(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < ' ' || (unsigned char)s[i] > '~')
			return 0;
	return 1;
}

/* The 6 tab-separated fields of a line, each checked printable and
 * shorter than FIELD_MAX. */
static int split_fields(const char *line, size_t len, const char *f[6], size_t fl[6])
{
	const char *p = line, *end = line + len;
	size_t nf = 0;

	while (nf < 6) {
		const char *tab = memchr(p, '\t', (size_t)(end - p));
		f[nf] = p;
		fl[nf] = (size_t)((tab ? tab : end) - p);
		nf++;
		if (!tab)
			break;
		p = tab + 1;
	}
	if (nf != 6 || memchr(f[5], '\t', (size_t)(end - f[5])))
		return sg_fail("expected 6 tab-separated fields");
	for (size_t i = 0; i < 6; i++)
		if (fl[i] >= FIELD_MAX || !field_ok(f[i], fl[i]))
			return sg_fail("field %zu: control characters or too long", i + 1);
	return 0;
}

/* The revocation field of a revoked entry: a time, then optionally
 * ",reason". */
static int parse_revoked(const char *s, size_t len, struct sg_ca_entry *e)
{
	const char *comma = memchr(s, ',', len);
	size_t tl = comma ? (size_t)(comma - s) : len;
	char r[64];
	time_t t;

	if (tl > SG_CA_TIME_MAX)
		return sg_fail("bad revocation time");
	memcpy(e->revoked, s, tl);
	if (sg_ca_time_parse(e->revoked, &t) < 0)
		return -1;
	if (!comma)
		return 0;
	if (len - tl - 1 >= sizeof(r))
		return sg_fail("bad revocation reason");
	memcpy(r, comma + 1, len - tl - 1);
	r[len - tl - 1] = '\0';
	for (size_t i = 0; i < NREASONS; i++)
		if (strcmp(r, reasons[i]) == 0)
			e->reason = (int)i;
	if (e->reason == SG_CA_NO_REASON)
		return sg_fail("unknown revocation reason '%s'", r);
	return 0;
}

/* A serial: upper-case hex, an even number of digits. */
static int parse_serial(const char *s, size_t len, struct sg_ca_entry *e)
{
	if (len == 0 || len > SG_CA_SERIAL_MAX || len % 2)
		return sg_fail("bad serial");
	for (size_t i = 0; i < len; i++)
		if (!isdigit((unsigned char)s[i]) && !(s[i] >= 'A' && s[i] <= 'F'))
			return sg_fail("serial must be upper-case hex");
	memcpy(e->serial, s, len);
	return 0;
}

static int parse_line(const char *line, size_t len, struct sg_ca_entry *e)
{
	const char *f[6];
	size_t fl[6];
	time_t t;

	if (split_fields(line, len, f, fl) < 0)
		return -1;
	memset(e, 0, sizeof(*e));
	e->reason = SG_CA_NO_REASON;
	if (fl[0] != 1 || !strchr("VRE", f[0][0]))
		return sg_fail("status must be V, R or E");
	e->status = f[0][0];
	if (fl[1] > SG_CA_TIME_MAX)
		return sg_fail("bad expiry time");
	memcpy(e->expires, f[1], fl[1]);
	if (sg_ca_time_parse(e->expires, &t) < 0)
		return -1;
	if (e->status == 'R') {
		if (parse_revoked(f[2], fl[2], e) < 0)
			return -1;
	} else if (fl[2] != 0) {
		return sg_fail("revocation time on a certificate that is not revoked");
	}
	if (parse_serial(f[3], fl[3], e) < 0)
		return -1;
	if (!(e->file = strndup(f[4], fl[4])) || !(e->subject = strndup(f[5], fl[5]))) {
		free(e->file);
		e->file = NULL;
		return sg_fail("out of memory");
	}
	return 0;
}

int sg_ca_index_parse(const uint8_t *data, size_t len, const char *name, struct sg_ca_index *out)
{
	const char *p = (const char *)data, *end;
	size_t lineno = 0;

	if (len == 0)
		return 0;
	end = p + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		struct sg_ca_entry e;
		char where[64];

		lineno++;
		if (!nl) {
			sg_fail("%s: line %zu: no newline at the end", name, lineno);
			goto fail;
		}
		if (parse_line(p, (size_t)(nl - p), &e) < 0) {
			snprintf(where, sizeof(where), "line %zu", lineno);
			sg_fail_prefix(where);
			sg_fail_prefix(name);
			goto fail;
		}
		if (sg_ca_index_find(out, e.serial)) {
			free(e.file);
			free(e.subject);
			sg_fail("%s: line %zu: serial %s listed twice", name, lineno, e.serial);
			goto fail;
		}
		int rc = sg_ca_index_add(out, &e);
		free(e.file);
		free(e.subject);
		if (rc < 0)
			goto fail;
		p = nl + 1;
	}
	return 0;
fail:
	sg_ca_index_free(out);
	return -1;
}

int sg_ca_index_format(const struct sg_ca_index *idx, struct sg_buf *out)
{
	for (size_t i = 0; i < idx->n; i++) {
		const struct sg_ca_entry *e = &idx->e[i];
		const char *r = sg_ca_reason_name(e->reason);

		if (sg_buf_printf(out, "%c\t%s\t%s%s%s\t%s\t%s\t%s\n", e->status, e->expires,
				  e->revoked, r ? "," : "", r ? r : "", e->serial, e->file,
				  e->subject) < 0)
			return -1;
	}
	return 0;
}
