/* tpm.c - secrets sealed in a TPM2 under a PCR policy (tss2-esys). */
#include "tpm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tss2/tss2_esys.h>
#include <tss2/tss2_rc.h>
#include <tss2/tss2_tctildr.h>

#include "crypto.h"
#include "err.h"

#define PERSISTENT_OWNER_FIRST 0x81000000u
#define PERSISTENT_OWNER_LAST 0x817fffffu
#define PCR_COUNT 24
#define SRK_HANDLE 0x81000001u
/* A handle's twin is the same handle in the upper half of the owner
 * range: 0x81000010 -> 0x81400010. Seal takes handles in the lower half
 * only, so that no sealed object of its own sits where another handle's
 * replacement would evict it. */
#define TWIN_BIT 0x00400000u
#define SEAL_LAST 0x813fffffu

struct sg_tpm {
	TSS2_TCTI_CONTEXT *tcti;
	ESYS_CONTEXT *esys;
};

/* The TPM's own response code with the handle/session/parameter number
 * removed, or 0 when rc comes from a layer of the TSS. */
static TSS2_RC tpm_code(TSS2_RC rc)
{
	if ((rc & TSS2_RC_LAYER_MASK) != TSS2_TPM_RC_LAYER &&
	    (rc & TSS2_RC_LAYER_MASK) != TSS2_RESMGR_TPM_RC_LAYER)
		return 0;
	rc &= 0xffff;
	if (rc & TPM2_RC_FMT1)
		return rc & (TPM2_RC_FMT1 | 0x3f);
	return rc;
}

static int tpm_fail(const char *what, TSS2_RC rc)
{
	return sg_fail("TPM: %s: %s", what, Tss2_RC_Decode(rc));
}

int sg_tpm_open(struct sg_tpm **out, const char *tcti)
{
	struct sg_tpm *t;
	TSS2_RC rc;

	*out = NULL;
	if (!tcti)
		tcti = SG_TPM_DEFAULT_TCTI;
	/* The TSS logs its errors to stderr by itself; the library reports
	 * through sg_fail only, so its logging stays off unless asked for. */
	setenv("TSS2_LOG", "all+none", 0);
	t = calloc(1, sizeof(*t));
	if (!t)
		return sg_fail("TPM: out of memory");
	rc = Tss2_TctiLdr_Initialize(tcti, &t->tcti);
	if (rc != TSS2_RC_SUCCESS) {
		free(t);
		return sg_fail("TCTI '%s': cannot connect to a TPM: %s", tcti, Tss2_RC_Decode(rc));
	}
	rc = Esys_Initialize(&t->esys, t->tcti, NULL);
	if (rc != TSS2_RC_SUCCESS) {
		Tss2_TctiLdr_Finalize(&t->tcti);
		free(t);
		return sg_fail("TCTI '%s': cannot start the TPM context: %s", tcti,
			       Tss2_RC_Decode(rc));
	}
	*out = t;
	return 0;
}

void sg_tpm_close(struct sg_tpm *t)
{
	if (!t)
		return;
	Esys_Finalize(&t->esys);
	Tss2_TctiLdr_Finalize(&t->tcti);
	free(t);
}

int sg_tpm_parse_pcrs(const char *s, uint32_t *mask)
{
	const char *p = s;
	char *end;
	unsigned long n;

	*mask = 0;
	for (;;) {
		if (*p < '0' || *p > '9')
			return sg_fail("PCR list '%s': expected numbers 0-23 separated by commas", s);
		errno = 0;
		n = strtoul(p, &end, 10);
		if (errno || n >= PCR_COUNT)
			return sg_fail("PCR list '%s': PCRs are numbered 0-23", s);
		*mask |= 1u << n;
		if (*end == '\0')
			return 0;
		if (*end != ',')
			return sg_fail("PCR list '%s': expected numbers 0-23 separated by commas", s);
		p = end + 1;
	}
}

int sg_tpm_parse_handle(const char *s, uint32_t *handle)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 16);
	if (strncmp(s, "0x", 2) != 0 || errno || *end != '\0' || v < PERSISTENT_OWNER_FIRST ||
	    v > PERSISTENT_OWNER_LAST)
		return sg_fail("handle '%s': expected a persistent owner handle 0x81000000-0x817fffff",
			       s);
	*handle = (uint32_t)v;
	return 0;
}

void sg_tpm_format_pcrs(uint32_t mask, char *out, size_t cap)
{
	size_t len = 0;
	unsigned i;

	out[0] = '\0';
	for (i = 0; i < PCR_COUNT; i++) {
		if (!(mask & (1u << i)))
			continue;
		len += (size_t)snprintf(out + len, len < cap ? cap - len : 0, "%s%u",
					len ? "," : "", i);
		if (len >= cap)
			return;
	}
}

static void pcr_selection(uint32_t mask, TPML_PCR_SELECTION *sel)
{
	memset(sel, 0, sizeof(*sel));
	sel->count = 1;
	sel->pcrSelections[0].hash = TPM2_ALG_SHA256;
	sel->pcrSelections[0].sizeofSelect = 3;
	sel->pcrSelections[0].pcrSelect[0] = mask & 0xff;
	sel->pcrSelections[0].pcrSelect[1] = (mask >> 8) & 0xff;
	sel->pcrSelections[0].pcrSelect[2] = (mask >> 16) & 0xff;
}

int sg_tpm_pcr_read(struct sg_tpm *t, unsigned pcr, uint8_t value[32])
{
	TPML_PCR_SELECTION sel, *sel_out = NULL;
	TPML_DIGEST *values = NULL;
	UINT32 counter;
	TSS2_RC rc;
	int r;

	if (pcr >= PCR_COUNT)
		return sg_fail("PCR %u: PCRs are numbered 0-23", pcr);
	pcr_selection(1u << pcr, &sel);
	rc = Esys_PCR_Read(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &sel, &counter,
			   &sel_out, &values);
	if (rc != TSS2_RC_SUCCESS)
		return tpm_fail("reading PCRs", rc);
	if (values->count != 1 || values->digests[0].size != 32) {
		r = sg_fail("TPM: PCR %u has no sha256 value (is the sha256 bank allocated?)", pcr);
	} else {
		memcpy(value, values->digests[0].buffer, 32);
		r = 0;
	}
	Esys_Free(sel_out);
	Esys_Free(values);
	return r;
}

/* The TCG's standard storage root key: ECC NIST P-256 with AES-128-CFB,
 * derived from the owner seed, so the same key every time. */
static int create_primary(struct sg_tpm *t, ESYS_TR *primary)
{
	TPM2B_SENSITIVE_CREATE sensitive = { 0 };
	TPM2B_PUBLIC pub = {
		.publicArea = {
			.type = TPM2_ALG_ECC,
			.nameAlg = TPM2_ALG_SHA256,
			.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
				TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH |
				TPMA_OBJECT_NODA | TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT,
			.parameters.eccDetail = {
				.symmetric = {
					.algorithm = TPM2_ALG_AES,
					.keyBits.aes = 128,
					.mode.aes = TPM2_ALG_CFB,
				},
				.scheme.scheme = TPM2_ALG_NULL,
				.curveID = TPM2_ECC_NIST_P256,
				.kdf.scheme = TPM2_ALG_NULL,
			},
			.unique.ecc = { .x.size = 32, .y.size = 32 },
		},
	};
	TPM2B_DATA outside = { 0 };
	TPML_PCR_SELECTION creation_pcr = { 0 };
	TPM2B_PUBLIC *out_pub = NULL;
	TPM2B_CREATION_DATA *cdata = NULL;
	TPM2B_DIGEST *chash = NULL;
	TPMT_TK_CREATION *ticket = NULL;
	TSS2_RC rc;

	rc = Esys_CreatePrimary(t->esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE,
				ESYS_TR_NONE, &sensitive, &pub, &outside, &creation_pcr, primary,
				&out_pub, &cdata, &chash, &ticket);
	Esys_Free(out_pub);
	Esys_Free(cdata);
	Esys_Free(chash);
	Esys_Free(ticket);
	if (rc != TSS2_RC_SUCCESS) {
		if (tpm_code(rc) == TPM2_RC_BAD_AUTH || tpm_code(rc) == TPM2_RC_AUTH_FAIL)
			return sg_fail("TPM: creating the storage primary: the owner hierarchy has a "
				       "password (only an empty owner auth is supported)");
		return tpm_fail("creating the storage primary", rc);
	}
	return 0;
}

static int handle_taken(struct sg_tpm *t, uint32_t handle);

/* The storage root key that the TCG provisioning guidance puts at
 * 0x81000001, when there is one: a salt key that needs no owner auth
 * (and no key generation). -1 without an error message otherwise. */
static int persistent_srk(struct sg_tpm *t, ESYS_TR *srk)
{
	TPM2B_PUBLIC *pub = NULL;
	TPM2B_NAME *name = NULL, *qname = NULL;
	TPMA_OBJECT want = TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT;
	TSS2_RC rc;
	int usable;

	*srk = ESYS_TR_NONE;
	if (handle_taken(t, SRK_HANDLE) != 1)
		return -1;
	rc = Esys_TR_FromTPMPublic(t->esys, SRK_HANDLE, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				   srk);
	if (rc != TSS2_RC_SUCCESS) {
		*srk = ESYS_TR_NONE;
		return -1;
	}
	rc = Esys_ReadPublic(t->esys, *srk, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pub, &name,
			     &qname);
	usable = rc == TSS2_RC_SUCCESS &&
		 (pub->publicArea.type == TPM2_ALG_ECC || pub->publicArea.type == TPM2_ALG_RSA) &&
		 (pub->publicArea.objectAttributes & want) == want;
	Esys_Free(pub);
	Esys_Free(name);
	Esys_Free(qname);
	if (!usable) {
		Esys_TR_Close(t->esys, srk);
		*srk = ESYS_TR_NONE;
		return -1;
	}
	return 0;
}

/* A session of the given type, salted with the storage primary so that
 * the parameters it encrypts (attrs) are hidden from the bus. */
static int start_session(struct sg_tpm *t, ESYS_TR primary, TPM2_SE type, TPMA_SESSION attrs,
			 ESYS_TR *session)
{
	TPMT_SYM_DEF sym = {
		.algorithm = TPM2_ALG_AES,
		.keyBits.aes = 128,
		.mode.aes = TPM2_ALG_CFB,
	};
	TSS2_RC rc;

	if (type == TPM2_SE_TRIAL)
		sym.algorithm = TPM2_ALG_NULL;
	rc = Esys_StartAuthSession(t->esys, primary, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				   ESYS_TR_NONE, NULL, type, &sym, TPM2_ALG_SHA256, session);
	if (rc != TSS2_RC_SUCCESS)
		return tpm_fail("starting a session", rc);
	if (attrs) {
		rc = Esys_TRSess_SetAttributes(t->esys, *session,
					       attrs | TPMA_SESSION_CONTINUESESSION, 0xff);
		if (rc != TSS2_RC_SUCCESS) {
			Esys_FlushContext(t->esys, *session);
			return tpm_fail("setting session attributes", rc);
		}
	}
	return 0;
}

/* Runs TPM2_PolicyPCR over the current values of the PCRs in mask. */
static int policy_pcr(struct sg_tpm *t, ESYS_TR session, uint32_t mask)
{
	TPM2B_DIGEST current = { 0 };
	TPML_PCR_SELECTION sel;
	TSS2_RC rc;

	pcr_selection(mask, &sel);
	rc = Esys_PolicyPCR(t->esys, session, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &current,
			    &sel);
	if (rc != TSS2_RC_SUCCESS)
		return tpm_fail("TPM2_PolicyPCR", rc);
	return 0;
}

int sg_tpm_policy_digest(struct sg_tpm *t, uint32_t mask, uint8_t digest[32])
{
	TPM2B_DIGEST *d = NULL;
	ESYS_TR session;
	TSS2_RC rc;
	int r = -1;

	if (!mask || mask >> PCR_COUNT)
		return sg_fail("TPM: no PCR chosen for the policy");
	if (start_session(t, ESYS_TR_NONE, TPM2_SE_TRIAL, 0, &session) < 0)
		return -1;
	if (policy_pcr(t, session, mask) < 0)
		goto out;
	rc = Esys_PolicyGetDigest(t->esys, session, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &d);
	if (rc != TSS2_RC_SUCCESS) {
		tpm_fail("TPM2_PolicyGetDigest", rc);
		goto out;
	}
	if (d->size != 32) {
		sg_fail("TPM: the policy digest is %u bytes, not a sha256", d->size);
		goto out;
	}
	memcpy(digest, d->buffer, 32);
	r = 0;
out:
	Esys_Free(d);
	Esys_FlushContext(t->esys, session);
	return r;
}

int sg_tpm_policy_predict(uint32_t mask, const uint8_t (*values)[32], uint8_t digest[32])
{
	/* policyDigest' = H(policyDigest (zero at the start) || TPM_CC_PolicyPCR
	 *                  || TPML_PCR_SELECTION || H(PCR values in order)),
	 * TPM 2.0 Part 3, 23.7. */
	uint8_t msg[32 + 4 + 4 + 2 + 1 + 3 + 32] = { 0 }, *p = msg + 32;
	struct sg_buf concat = SG_BUF_INIT;
	unsigned i, n = 0;
	int r;

	if (!mask || mask >> PCR_COUNT)
		return sg_fail("TPM: no PCR chosen for the policy");
	for (i = 0; i < PCR_COUNT; i++)
		if ((mask & (1u << i)) && sg_buf_append(&concat, values[n++], 32) < 0) {
			sg_buf_free(&concat);
			return sg_fail("TPM: out of memory");
		}
	*p++ = 0x00, *p++ = 0x00, *p++ = 0x01, *p++ = 0x7f; /* TPM_CC_PolicyPCR */
	*p++ = 0x00, *p++ = 0x00, *p++ = 0x00, *p++ = 0x01; /* one selection */
	*p++ = 0x00, *p++ = 0x0b;			    /* TPM_ALG_SHA256 */
	*p++ = 3;
	*p++ = mask & 0xff, *p++ = (mask >> 8) & 0xff, *p++ = (mask >> 16) & 0xff;
	r = sg_sha256(concat.data, concat.len, p);
	sg_buf_free(&concat);
	if (r < 0 || sg_sha256(msg, sizeof(msg), digest) < 0)
		return sg_fail("TPM: sha256 failed");
	return 0;
}

/* 1 when a persistent object sits at handle, 0 when free, -1 on error. */
static int handle_taken(struct sg_tpm *t, uint32_t handle)
{
	TPMS_CAPABILITY_DATA *cap = NULL;
	TPMI_YES_NO more;
	TSS2_RC rc;
	int taken;

	rc = Esys_GetCapability(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, TPM2_CAP_HANDLES,
				handle, 1, &more, &cap);
	if (rc != TSS2_RC_SUCCESS)
		return tpm_fail("listing persistent handles", rc);
	taken = cap->data.handles.count > 0 && cap->data.handles.handle[0] == handle;
	Esys_Free(cap);
	return taken;
}

static int evict(struct sg_tpm *t, uint32_t handle)
{
	ESYS_TR old, none;
	TSS2_RC rc;

	rc = Esys_TR_FromTPMPublic(t->esys, handle, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &old);
	if (rc != TSS2_RC_SUCCESS)
		return tpm_fail("opening the object to replace", rc);
	rc = Esys_EvictControl(t->esys, ESYS_TR_RH_OWNER, old, ESYS_TR_PASSWORD, ESYS_TR_NONE,
			       ESYS_TR_NONE, handle, &none);
	if (rc != TSS2_RC_SUCCESS) {
		Esys_TR_Close(t->esys, &old);
		return tpm_fail("evicting the object to replace", rc);
	}
	/* ESYS keeps the evicted object's node, found by its TPM handle: a
	 * later Esys_TR_FromTPMPublic of the handle (the twin, persistent
	 * again and evicted again in one seal) would compare the new
	 * object's name with the old one's and fail. */
	Esys_TR_Close(t->esys, &old);
	return 0;
}

uint32_t sg_tpm_twin(uint32_t handle)
{
	return handle | TWIN_BIT;
}

/* Whether the public area is a sealed data object under a policy: a
 * keyedhash that neither signs nor decrypts, with an authPolicy. */
static int is_sealed_public(const TPMT_PUBLIC *p)
{
	return p->type == TPM2_ALG_KEYEDHASH &&
	       !(p->objectAttributes & (TPMA_OBJECT_SIGN_ENCRYPT | TPMA_OBJECT_DECRYPT)) &&
	       p->authPolicy.size != 0;
}

/* What sits at handle: 0 nothing, 1 a sealed data object, 2 something
 * else; -1 on error. */
static int sealed_at(struct sg_tpm *t, uint32_t handle)
{
	TPM2B_PUBLIC *pub = NULL;
	TPM2B_NAME *name = NULL, *qname = NULL;
	ESYS_TR obj;
	TSS2_RC rc;
	int taken = handle_taken(t, handle), r;

	if (taken <= 0)
		return taken;
	rc = Esys_TR_FromTPMPublic(t->esys, handle, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &obj);
	if (rc != TSS2_RC_SUCCESS)
		return tpm_fail("opening a persistent object", rc);
	rc = Esys_ReadPublic(t->esys, obj, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pub, &name,
			     &qname);
	if (rc != TSS2_RC_SUCCESS)
		r = tpm_fail("reading a persistent object", rc);
	else
		r = is_sealed_public(&pub->publicArea) ? 1 : 2;
	Esys_Free(pub);
	Esys_Free(name);
	Esys_Free(qname);
	Esys_TR_Close(t->esys, &obj);
	return r;
}

/* A persistent copy of the loaded object obj at handle (obj stays
 * loaded). */
static int persist(struct sg_tpm *t, ESYS_TR obj, uint32_t handle)
{
	ESYS_TR persistent;
	TSS2_RC rc;

	rc = Esys_EvictControl(t->esys, ESYS_TR_RH_OWNER, obj, ESYS_TR_PASSWORD, ESYS_TR_NONE,
			       ESYS_TR_NONE, handle, &persistent);
	if (rc != TSS2_RC_SUCCESS) {
		if (tpm_code(rc) == TPM2_RC_NV_SPACE)
			return sg_fail("handle 0x%08x: the TPM has no room left for persistent "
				       "objects",
				       handle);
		return tpm_fail("making the sealed object persistent", rc);
	}
	Esys_TR_Close(t->esys, &persistent);
	return 0;
}

/* Puts the loaded object at handle, replacing what is there, so that at
 * every step the handle or its twin holds a sealed object, the old one
 * or the new: a persistent handle cannot be overwritten (EvictControl
 * refuses an occupied one), and evicting the old object first would lose
 * the secret to a crash before the new one is persistent. The current
 * object is the one at handle, or, when handle is empty, the one at its
 * twin (sg_tpm_unseal reads it there). */
static int install(struct sg_tpm *t, ESYS_TR obj, uint32_t handle, int taken, int twin_taken)
{
	uint32_t twin = sg_tpm_twin(handle);

	if (taken) {
		/* the twin holds a copy left by an interrupted seal: handle is
		 * current, so it goes */
		if (twin_taken && evict(t, twin) < 0)
			return -1;
		/* new at the twin (handle still current), old evicted (the
		 * twin current), new at handle (current) */
		if (persist(t, obj, twin) < 0 || evict(t, handle) < 0 || persist(t, obj, handle) < 0)
			return -1;
		return evict(t, twin);
	}
	/* handle empty: new at handle is current at once; the twin's copy,
	 * current until then, goes */
	if (persist(t, obj, handle) < 0)
		return -1;
	return twin_taken ? evict(t, twin) : 0;
}

/* The handle a seal may take: a persistent owner handle below the
 * twins', free (or replace), with a twin that is free or holds sealed
 * data; whether each is taken into *taken and *twin. */
static int seal_check_handle(struct sg_tpm *t, uint32_t handle, int replace, int *taken, int *twin)
{
	if (handle < PERSISTENT_OWNER_FIRST || handle > PERSISTENT_OWNER_LAST)
		return sg_fail("handle 0x%08x: not a persistent owner handle", handle);
	if (handle > SEAL_LAST)
		return sg_fail("handle 0x%08x: 0x81400000-0x817fffff hold the twins of seal's "
			       "replacements; seal at 0x81000000-0x813fffff",
			       handle);
	if ((*taken = handle_taken(t, handle)) < 0 || (*twin = sealed_at(t, sg_tpm_twin(handle))) < 0)
		return -1;
	if (*twin == 2)
		return sg_fail("handle 0x%08x: its twin 0x%08x, where a seal keeps the new object "
			       "while it replaces the old, holds an object that is not sealed data",
			       handle, sg_tpm_twin(handle));
	if (*taken && !replace)
		return sg_fail("handle 0x%08x: already holds an object (replace it with --force)",
			       handle);
	if (*twin && !replace)
		return sg_fail("handle 0x%08x: an interrupted seal left the object at its twin "
			       "0x%08x (replace it with --force)",
			       handle, sg_tpm_twin(handle));
	return 0;
}

/* A sealed data object of secret under the policy digest, created under
 * primary (the secret encrypted by session) and loaded as *obj. */
static int seal_create(struct sg_tpm *t, ESYS_TR primary, ESYS_TR session, const uint8_t *secret,
		       size_t len, const uint8_t digest[32], ESYS_TR *obj)
{
	TPM2B_SENSITIVE_CREATE sensitive = { 0 };
	TPM2B_PUBLIC pub = {
		.publicArea = {
			.type = TPM2_ALG_KEYEDHASH,
			.nameAlg = TPM2_ALG_SHA256,
			/* No userWithAuth: the policy is the only way in. */
			.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT,
			.parameters.keyedHashDetail.scheme.scheme = TPM2_ALG_NULL,
		},
	};
	TPM2B_DATA outside = { 0 };
	TPML_PCR_SELECTION creation_pcr = { 0 };
	TPM2B_PRIVATE *priv = NULL;
	TPM2B_PUBLIC *out_pub = NULL;
	TPM2B_CREATION_DATA *cdata = NULL;
	TPM2B_DIGEST *chash = NULL;
	TPMT_TK_CREATION *ticket = NULL;
	TSS2_RC rc;
	int r = -1;

	sensitive.sensitive.data.size = (UINT16)len;
	memcpy(sensitive.sensitive.data.buffer, secret, len);
	pub.publicArea.authPolicy.size = 32;
	memcpy(pub.publicArea.authPolicy.buffer, digest, 32);
	rc = Esys_Create(t->esys, primary, session, ESYS_TR_NONE, ESYS_TR_NONE, &sensitive, &pub,
			 &outside, &creation_pcr, &priv, &out_pub, &cdata, &chash, &ticket);
	sg_wipe(&sensitive, sizeof(sensitive));
	if (rc != TSS2_RC_SUCCESS)
		tpm_fail("creating the sealed object", rc);
	else if ((rc = Esys_Load(t->esys, primary, session, ESYS_TR_NONE, ESYS_TR_NONE, priv,
				 out_pub, obj)) != TSS2_RC_SUCCESS)
		tpm_fail("loading the sealed object", rc);
	else
		r = 0;
	Esys_Free(priv);
	Esys_Free(out_pub);
	Esys_Free(cdata);
	Esys_Free(chash);
	Esys_Free(ticket);
	return r;
}

int sg_tpm_seal(struct sg_tpm *t, uint32_t mask, uint32_t handle, const uint8_t *secret, size_t len,
		int replace, const uint8_t *given, uint8_t policy[32])
{
	ESYS_TR primary = ESYS_TR_NONE, session = ESYS_TR_NONE, obj = ESYS_TR_NONE;
	uint8_t digest[32];
	int taken = 0, twin = 0, r = -1;

	if (len == 0 || len > SG_TPM_SECRET_MAX)
		return sg_fail("TPM: a sealed secret holds 1 to %d bytes, not %zu",
			       SG_TPM_SECRET_MAX, len);
	if (seal_check_handle(t, handle, replace, &taken, &twin) < 0)
		return -1;
	if (given)
		memcpy(digest, given, 32);
	else if (sg_tpm_policy_digest(t, mask, digest) < 0)
		return -1;
	if (create_primary(t, &primary) < 0)
		return -1;
	/* The secret goes to the TPM as TPM2_Create's first parameter,
	 * encrypted by a session salted with the primary. Only once the new
	 * object is ready is the old one replaced. */
	if (start_session(t, primary, TPM2_SE_HMAC, TPMA_SESSION_DECRYPT, &session) < 0 ||
	    seal_create(t, primary, session, secret, len, digest, &obj) < 0 ||
	    install(t, obj, handle, taken, twin) < 0)
		goto out;
	if (policy)
		memcpy(policy, digest, 32);
	r = 0;
out:
	if (obj != ESYS_TR_NONE)
		Esys_FlushContext(t->esys, obj);
	if (session != ESYS_TR_NONE)
		Esys_FlushContext(t->esys, session);
	if (primary != ESYS_TR_NONE)
		Esys_FlushContext(t->esys, primary);
	return r;
}

/* Refuses what is not a sealed data object under a policy, so that a
 * wrong handle does not read as a PCR mismatch. */
static int check_sealed(struct sg_tpm *t, ESYS_TR obj, uint32_t handle)
{
	TPM2B_PUBLIC *pub = NULL;
	TPM2B_NAME *name = NULL, *qname = NULL;
	TPMT_PUBLIC *p;
	TSS2_RC rc;
	int r = 0;

	rc = Esys_ReadPublic(t->esys, obj, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pub, &name,
			     &qname);
	if (rc != TSS2_RC_SUCCESS)
		return tpm_fail("reading the sealed object", rc);
	p = &pub->publicArea;
	if (is_sealed_public(p))
		r = 0;
	else if (p->type != TPM2_ALG_KEYEDHASH ||
		 (p->objectAttributes & (TPMA_OBJECT_SIGN_ENCRYPT | TPMA_OBJECT_DECRYPT)))
		r = sg_fail("handle 0x%08x: not a sealed data object", handle);
	else
		r = sg_fail("handle 0x%08x: the object is not sealed to a policy", handle);
	Esys_Free(pub);
	Esys_Free(name);
	Esys_Free(qname);
	return r;
}

/* The sealed object at handle, or at its twin when a seal that replaced
 * it was interrupted after the old one was evicted. */
static int unseal_open(struct sg_tpm *t, uint32_t handle, ESYS_TR *obj)
{
	TSS2_RC rc;

	rc = Esys_TR_FromTPMPublic(t->esys, handle, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, obj);
	if (rc != TSS2_RC_SUCCESS && tpm_code(rc) == TPM2_RC_HANDLE && handle <= SEAL_LAST &&
	    sealed_at(t, sg_tpm_twin(handle)) == 1) {
		sg_errclear();
		rc = Esys_TR_FromTPMPublic(t->esys, sg_tpm_twin(handle), ESYS_TR_NONE, ESYS_TR_NONE,
					   ESYS_TR_NONE, obj);
	}
	if (rc != TSS2_RC_SUCCESS) {
		*obj = ESYS_TR_NONE;
		if (tpm_code(rc) == TPM2_RC_HANDLE)
			return sg_fail("handle 0x%08x: no object sealed there", handle);
		return tpm_fail("opening the sealed object", rc);
	}
	return 0;
}

/* A policy session for the PCRs of mask, salted with a storage key (the
 * persistent SRK, else a primary flushed once the session exists) so the
 * secret comes back encrypted; *srk is the SRK's, to close. */
static int unseal_session(struct sg_tpm *t, uint32_t mask, ESYS_TR *srk, ESYS_TR *session)
{
	ESYS_TR primary = ESYS_TR_NONE;
	int r;

	if (persistent_srk(t, srk) < 0 && create_primary(t, &primary) < 0)
		return -1;
	r = start_session(t, *srk != ESYS_TR_NONE ? *srk : primary, TPM2_SE_POLICY,
			  TPMA_SESSION_ENCRYPT, session);
	if (primary != ESYS_TR_NONE)
		Esys_FlushContext(t->esys, primary);
	if (r < 0)
		return -1;
	return policy_pcr(t, *session, mask);
}

/* Why the TPM refused to unseal (rc) the object at handle under the
 * PCRs pcrs. */
static int unseal_refused(TSS2_RC rc, uint32_t handle, const char *pcrs)
{
	TSS2_RC code = tpm_code(rc);

	if (code == TPM2_RC_POLICY_FAIL)
		return sg_fail("TPM refused to unseal: PCR %s differs from the sealed policy", pcrs);
	if (code == TPM2_RC_PCR_CHANGED)
		return sg_fail("TPM refused to unseal: PCR %s changed during the unseal", pcrs);
	if (code == TPM2_RC_AUTH_FAIL || code == TPM2_RC_BAD_AUTH || code == TPM2_RC_AUTH_UNAVAILABLE)
		return sg_fail("handle 0x%08x: TPM refused to unseal: not an object sealed by policy",
			       handle);
	if (code == TPM2_RC_TYPE || code == TPM2_RC_ATTRIBUTES)
		return sg_fail("handle 0x%08x: not a sealed data object", handle);
	return tpm_fail("unsealing", rc);
}

int sg_tpm_unseal(struct sg_tpm *t, uint32_t mask, uint32_t handle, struct sg_buf *out)
{
	ESYS_TR session = ESYS_TR_NONE, obj = ESYS_TR_NONE, srk = ESYS_TR_NONE;
	TPM2B_SENSITIVE_DATA *data = NULL;
	char pcrs[64];
	TSS2_RC rc;
	int r = -1;

	if (!mask || mask >> PCR_COUNT)
		return sg_fail("TPM: no PCR chosen for the policy");
	sg_tpm_format_pcrs(mask, pcrs, sizeof(pcrs));
	if (unseal_open(t, handle, &obj) < 0)
		return -1;
	if (check_sealed(t, obj, handle) < 0 || unseal_session(t, mask, &srk, &session) < 0)
		goto out;
	rc = Esys_Unseal(t->esys, obj, session, ESYS_TR_NONE, ESYS_TR_NONE, &data);
	if (rc != TSS2_RC_SUCCESS) {
		unseal_refused(rc, handle, pcrs);
		goto out;
	}
	r = sg_buf_append(out, data->buffer, data->size);
	if (r < 0)
		sg_fail("TPM: out of memory");
	sg_wipe(data, sizeof(*data));
out:
	Esys_Free(data);
	if (session != ESYS_TR_NONE)
		Esys_FlushContext(t->esys, session);
	if (obj != ESYS_TR_NONE)
		Esys_TR_Close(t->esys, &obj);
	if (srk != ESYS_TR_NONE)
		Esys_TR_Close(t->esys, &srk);
	return r;
}
