/* cmd_sops.c - `signet sops`: SOPS files with age keys, with sops's flags.
 *
 * Every output is built in memory and written in one atomic step, so a
 * refused file (bad MAC, wrong key, syntax error) leaves nothing behind;
 * with -i the original is replaced only by a complete result.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "age.h"
#include "cli.h"
#include "commands.h"
#include "crypto.h"
#include "err.h"
#include "fileio.h"
#include "sops.h"
#include "yamldoc.h"

#define MAX_SOPS_INPUT ((size_t)256 << 20)

static const char usage[] =
	"Usage:\n"
	"    signet sops -e --age R1[,R2...] [RULE] [--mac-only-encrypted]\n"
	"                [--input-type T] [--output-type T] [-i | --output F] FILE\n"
	"    signet sops -d [--extract PATH] [--input-type T] [--output-type T]\n"
	"                [-i | --output F] FILE\n"
	"    signet sops updatekeys [-y] [--age R1[,R2...] | --config PATH] FILE\n"
	"    signet sops rotate [--add-age R] [--rm-age R] [-i | --output F] FILE\n"
	"    signet sops edit [--age R1[,R2...]] [RULE] FILE\n"
	"\n"
	"Options:\n"
	"    -e, --encrypt                 Encrypt FILE.\n"
	"    -d, --decrypt                 Decrypt FILE (the MAC is verified).\n"
	"    -r, --rotate                  Same as the rotate command.\n"
	"        --age R1,R2               age recipients (also $SOPS_AGE_RECIPIENTS).\n"
	"        --encrypted-regex RE      Encrypt only values under keys matching RE.\n"
	"        --unencrypted-regex RE    Leave values under keys matching RE in clear.\n"
	"        --encrypted-suffix S      Encrypt only values under keys ending in S.\n"
	"        --unencrypted-suffix S    Leave values under keys ending in S in clear\n"
	"                                  (default _unencrypted).\n"
	"        --mac-only-encrypted      The MAC covers the encrypted values only.\n"
	"        --input-type T            yaml, json, dotenv or binary (default: by\n"
	"                                  extension; other files are binary).\n"
	"        --output-type T           Default: the input type.\n"
	"        --extract PATH            Print only the value at PATH, e.g. '[\"a\"][0]'.\n"
	"    -i, --in-place                Replace FILE with the result.\n"
	"        --output F                Write the result to F (atomically).\n"
	"        --add-age R / --rm-age R  rotate: add or remove recipients.\n"
	"        --config PATH             The sops configuration (default: .sops.yaml in\n"
	"                                  the working directory or above), whose first\n"
	"                                  creation rule matching FILE gives -e its age\n"
	"                                  recipients and rule when --age is not given,\n"
	"                                  and updatekeys its recipients.\n"
	"\n"
	"Identities for decryption come from $SOPS_AGE_KEY, $SOPS_AGE_KEY_FILE, or\n"
	"else ~/.config/sops/age/keys.txt ($XDG_CONFIG_HOME/sops/age/keys.txt).\n"
	"edit runs $EDITOR (default vi) on the decrypted file and re-encrypts it\n"
	"with the same data key when it changed; a FILE that does not exist is\n"
	"created, encrypted to --age, $SOPS_AGE_RECIPIENTS or the .sops.yaml rule.\n";

enum {
	OPT_AGE = 256,
	OPT_ENC_REGEX,
	OPT_UNENC_REGEX,
	OPT_ENC_SUFFIX,
	OPT_UNENC_SUFFIX,
	OPT_MAC_ONLY,
	OPT_INPUT_TYPE,
	OPT_OUTPUT_TYPE,
	OPT_EXTRACT,
	OPT_OUTPUT,
	OPT_ADD_AGE,
	OPT_RM_AGE,
	OPT_CONFIG,
};

enum mode { MODE_NONE, MODE_ENCRYPT, MODE_DECRYPT, MODE_ROTATE, MODE_UPDATEKEYS, MODE_EDIT };

struct sops_opts {
	enum mode mode;
	char **age;
	size_t nage;
	char **rm_age;
	size_t nrm;
	const char *enc_regex, *unenc_regex, *enc_suffix, *unenc_suffix;
	int nrules, mac_only, in_place;
	const char *input_type, *output_type, *extract, *output, *file, *config;
};

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Appends the comma-separated recipients in s. */
static int add_recipients(char ***v, size_t *n, const char *s)
{
	const char *p = s;

	while (*p) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char **nv;

		while (len && (*p == ' ' || *p == '\n')) {
			p++;
			len--;
		}
		while (len && (p[len - 1] == ' ' || p[len - 1] == '\n'))
			len--;
		if (len) {
			if (!(nv = realloc(*v, (*n + 1) * sizeof(*nv))) ||
			    !(nv[*n] = strndup(p, len))) {
				if (nv)
					*v = nv;
				return sg_fail("out of memory");
			}
			*v = nv;
			(*n)++;
		}
		p += (end ? (size_t)(end - p) + 1 : strlen(p));
	}
	return 0;
}

static int check_recipients(char *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct sg_age_recipients rs = { 0 };
		int rc = sg_age_recipients_add(&rs, v[i], strlen(v[i]));
		sg_age_recipients_free(&rs);
		if (rc < 0)
			return sg_fail_prefix(v[i]);
	}
	return 0;
}

/* sops's identity sources: SOPS_AGE_KEY, then SOPS_AGE_KEY_FILE or the
 * default keys file. */
static int load_identities(struct sg_age_identities *ids)
{
	const char *key = getenv("SOPS_AGE_KEY"), *file = getenv("SOPS_AGE_KEY_FILE");
	char path[4096];
	struct sg_buf text = SG_BUF_INIT;
	int rc = 0;

	if (key && *key && sg_age_identities_parse(ids, "SOPS_AGE_KEY", key, strlen(key)) < 0)
		return -1;
	if (file && *file) {
		rc = sg_read_file(file, &text, 1 << 20);
		if (rc == 0)
			rc = sg_age_identities_parse(ids, file, (const char *)text.data, text.len);
	} else {
		const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
		if (xdg && *xdg)
			snprintf(path, sizeof(path), "%s/sops/age/keys.txt", xdg);
		else
			snprintf(path, sizeof(path), "%s/.config/sops/age/keys.txt",
				 home ? home : "");
		if (access(path, F_OK) == 0) {
			rc = sg_read_file(path, &text, 1 << 20);
			if (rc == 0)
				rc = sg_age_identities_parse(ids, path, (const char *)text.data,
							     text.len);
		}
	}
	sg_buf_wipe(&text);
	if (rc == 0 && ids->n == 0)
		rc = sg_fail("no age identity: set SOPS_AGE_KEY_FILE or SOPS_AGE_KEY "
			     "(or create ~/.config/sops/age/keys.txt)");
	return rc;
}

static int formats(const struct sops_opts *o, enum sg_sops_format *in, enum sg_sops_format *out)
{
	*in = sg_sops_format_for_path(o->file);
	if (o->input_type && sg_sops_format_parse(o->input_type, in) < 0)
		return -1;
	*out = *in;
	if (o->output_type && sg_sops_format_parse(o->output_type, out) < 0)
		return -1;
	return 0;
}

/* Writes the result: to FILE (-i), to --output, or to standard output. */
static int emit(const struct sops_opts *o, const struct sg_buf *b, mode_t mode)
{
	const char *dest = o->in_place ? o->file : o->output;
	struct stat st;

	if (!dest || !strcmp(dest, "-"))
		return sg_write_all(STDOUT_FILENO, b->data ? b->data : (const uint8_t *)"", b->len);
	if (o->in_place && stat(dest, &st) == 0)
		mode = st.st_mode & 07777;
	return sg_write_file_atomic(dest, b->data ? b->data : (const uint8_t *)"", b->len, mode, 0);
}

static mode_t public_mode(void)
{
	mode_t m = umask(077);

	umask(m);
	return 0666 & ~m;
}

static int has_metadata(enum sg_sops_format f, const struct sg_sops_node *doc)
{
	if (f != SG_SOPS_DOTENV)
		return sg_sops_get(doc, "sops") != NULL;
	for (size_t i = 0; i < doc->n; i++)
		if (doc->items[i].key && !strncmp(doc->items[i].key, "sops_", 5))
			return 1;
	return 0;
}

static int read_input(const struct sops_opts *o, struct sg_buf *text)
{
	return sg_read_file(o->file, text, MAX_SOPS_INPUT);
}

/* sops's configuration: --config, or .sops.yaml in the working directory
 * or the nearest directory above it. 0 when there is none. */
static int find_config(const struct sops_opts *o, char *path, size_t cap, char *dir, size_t dcap)
{
	char cwd[4096], *slash;

	if (o->config) {
		const char *s = strrchr(o->config, '/');
		snprintf(path, cap, "%s", o->config);
		if (s)
			snprintf(dir, dcap, "%.*s", (int)(s - o->config), o->config);
		else if (!getcwd(dir, dcap))
			return sg_fail_errno("getcwd");
		return 1;
	}
	if (!getcwd(cwd, sizeof(cwd)))
		return 0;
	for (;;) {
		snprintf(path, cap, "%s/.sops.yaml", strcmp(cwd, "/") ? cwd : "");
		if (access(path, F_OK) == 0) {
			snprintf(dir, dcap, "%s", cwd);
			return 1;
		}
		if (!strcmp(cwd, "/"))
			return 0;
		slash = strrchr(cwd, '/');
		if (slash == cwd)
			slash[1] = 0;
		else
			*slash = 0;
	}
}

/* The creation rule for FILE, into the options (recipients, and the
 * rule when the command line gave none). 0 when there is no config. */
static int apply_config(struct sops_opts *o, struct sg_sops_rule *rule)
{
	char path[4096 + 16], dir[4096], cwd[4096], abs[8192];
	struct sg_buf text = SG_BUF_INIT;
	const char *rel;
	size_t dl;
	int found = find_config(o, path, sizeof(path), dir, sizeof(dir)), rc;

	if (found <= 0)
		return found;
	if (o->file[0] == '/' || !getcwd(cwd, sizeof(cwd)))
		snprintf(abs, sizeof(abs), "%s", o->file);
	else
		snprintf(abs, sizeof(abs), "%s/%s", cwd, o->file);
	rel = abs;
	dl = strlen(dir);
	if (!strncmp(abs, dir, dl) && abs[dl] == '/')
		rel = abs + dl + 1;
	rc = sg_read_file(path, &text, 1 << 20);
	if (rc == 0)
		rc = sg_sops_config_rule(path, (const char *)text.data, text.len, rel, rule);
	sg_buf_free(&text);
	if (rc < 0)
		return -1;
	o->age = rule->age;
	o->nage = rule->nage;
	if (!o->nrules) {
		o->enc_regex = rule->encrypted_regex;
		o->unenc_regex = rule->unencrypted_regex;
		o->enc_suffix = rule->encrypted_suffix;
		o->unenc_suffix = rule->unencrypted_suffix;
	}
	o->mac_only |= rule->mac_only_encrypted;
	return 1;
}

/* The encryption rule and MAC scope the options ask for. */
static int meta_from_opts(const struct sops_opts *o, struct sg_sops_meta *meta)
{
	meta->mac_only_encrypted = o->mac_only;
	if (o->enc_regex)
		return sg_sops_meta_set_rule(meta, &meta->encrypted_regex, o->enc_regex);
	if (o->unenc_regex)
		return sg_sops_meta_set_rule(meta, &meta->unencrypted_regex, o->unenc_regex);
	if (o->enc_suffix)
		return sg_sops_meta_set_rule(meta, &meta->encrypted_suffix, o->enc_suffix);
	return sg_sops_meta_set_rule(meta, &meta->unencrypted_suffix,
				     o->unenc_suffix ? o->unenc_suffix
						     : SG_SOPS_DEFAULT_UNENCRYPTED_SUFFIX);
}

static int run_encrypt(struct sops_opts *o)
{
	struct sg_buf text = SG_BUF_INIT, out = SG_BUF_INIT;
	struct sg_sops_node *doc = NULL;
	struct sg_sops_meta meta;
	enum sg_sops_format fin, fout;
	uint8_t key[SG_SOPS_KEY_LEN];
	int rc = -1;

	memset(&meta, 0, sizeof(meta));
	if (o->nage == 0 && getenv("SOPS_AGE_RECIPIENTS") &&
	    add_recipients(&o->age, &o->nage, getenv("SOPS_AGE_RECIPIENTS")) < 0)
		return cli_lib_error();
	if (o->nage == 0) {
		struct sg_sops_rule rule;
		int found = apply_config(o, &rule);
		if (found < 0)
			return cli_lib_error();
		if (found) {
			rc = run_encrypt(o);
			/* the rule owns the recipients and rule strings */
			o->age = NULL;
			o->nage = 0;
			sg_sops_rule_free(&rule);
			return rc;
		}
		return cli_usage("no recipients: use --age, $SOPS_AGE_RECIPIENTS or a .sops.yaml");
	}
	if (o->extract)
		return cli_usage("--extract is for -d");
	if (formats(o, &fin, &fout) < 0 || check_recipients(o->age, o->nage) < 0 ||
	    read_input(o, &text) < 0)
		goto out;
	if (sg_sops_read_plain(fin, o->file, (const char *)text.data, text.len, &doc) < 0)
		goto out;
	if (has_metadata(fin, doc)) {
		sg_fail("%s: the file is already encrypted (it has sops metadata)", o->file);
		goto out;
	}
	if (meta_from_opts(o, &meta) < 0)
		goto out;
	rc = -1;
	if (sg_random(key, sizeof(key)) < 0 || sg_sops_wrap_key(&meta, o->age, o->nage, key) < 0 ||
	    sg_sops_encrypt(doc, &meta, key, getenv("SIGNET_SOPS_NOW")) < 0 ||
	    sg_sops_write(fout, doc, &meta, &out) < 0 || emit(o, &out, public_mode()) < 0)
		goto out;
	rc = 0;
out:
	sg_wipe(key, sizeof(key));
	sg_sops_wipe(doc);
	sg_sops_meta_free(&meta);
	sg_buf_wipe(&text);
	sg_buf_free(&out);
	return rc < 0 ? cli_lib_error() : CLI_EXIT_OK;
}

/* Reads FILE, finds the data key and decrypts it in place (MAC checked). */
static int open_encrypted(const struct sops_opts *o, enum sg_sops_format fin,
			  struct sg_sops_node **doc, struct sg_sops_meta *meta,
			  uint8_t key[SG_SOPS_KEY_LEN], int decrypt)
{
	struct sg_age_identities ids = { 0 };
	struct sg_buf text = SG_BUF_INIT;
	int rc = -1;

	*doc = NULL;
	memset(meta, 0, sizeof(*meta));
	if (read_input(o, &text) < 0 ||
	    sg_sops_read_encrypted(fin, o->file, (const char *)text.data, text.len, doc, meta) < 0)
		goto out;
	if (load_identities(&ids) < 0 || sg_sops_unwrap_key(meta, &ids, key) < 0)
		goto fail;
	if (decrypt && sg_sops_decrypt(*doc, meta, key) < 0)
		goto fail;
	rc = 0;
	goto out;
fail:
	sg_fail_prefix(o->file);
out:
	if (rc < 0) {
		sg_sops_wipe(*doc);
		*doc = NULL;
		sg_sops_meta_free(meta);
	}
	sg_age_identities_free(&ids);
	sg_buf_wipe(&text);
	return rc;
}

static int write_extract(const struct sops_opts *o, enum sg_sops_format fout,
			 const struct sg_sops_node *doc, struct sg_buf *out)
{
	const struct sg_sops_node *v = sg_sops_extract(doc, o->extract);

	if (!v)
		return -1;
	if (v->kind == SG_SOPS_MAP)
		return sg_sops_write(fout, v, NULL, out);
	if (v->kind == SG_SOPS_STR)
		return sg_buf_append(out, v->str, v->len);
	if (fout == SG_SOPS_JSON)
		return sg_sops_json_write_value(v, out);
	if (fout == SG_SOPS_DOTENV)
		return sg_fail("the dotenv store only supports extracting strings");
	if (fout == SG_SOPS_BINARY)
		return sg_fail("binary files are not structured: --extract is not possible");
	return sg_yaml_write_value(v, out);
}

static int run_decrypt(struct sops_opts *o)
{
	struct sg_buf out = SG_BUF_INIT;
	struct sg_sops_node *doc = NULL;
	struct sg_sops_meta meta;
	enum sg_sops_format fin, fout;
	uint8_t key[SG_SOPS_KEY_LEN];
	int rc = -1;

	memset(&meta, 0, sizeof(meta));
	if (o->nage || o->nrules || o->mac_only)
		return cli_usage("--age and the encryption rules are for -e");
	if (formats(o, &fin, &fout) < 0 || open_encrypted(o, fin, &doc, &meta, key, 1) < 0)
		goto out;
	if (o->extract ? write_extract(o, fout, doc, &out) < 0
		       : sg_sops_write(fout, doc, NULL, &out) < 0)
		goto out;
	if (emit(o, &out, 0600) < 0)
		goto out;
	rc = 0;
out:
	sg_wipe(key, sizeof(key));
	sg_sops_wipe(doc);
	sg_sops_meta_free(&meta);
	sg_buf_wipe(&out);
	return rc < 0 ? cli_lib_error() : CLI_EXIT_OK;
}

/* FILE's document as it is stored, the values still encrypted (its
 * metadata dropped): what updatekeys writes back under new keys. */
static int read_stored(const struct sops_opts *o, enum sg_sops_format fin, struct sg_sops_node **doc)
{
	struct sg_buf text = SG_BUF_INIT;
	struct sg_sops_meta old;
	int rc = read_input(o, &text);

	if (rc == 0)
		rc = sg_sops_read_encrypted(fin, o->file, (const char *)text.data, text.len, doc,
					    &old);
	sg_buf_wipe(&text);
	if (rc == 0)
		sg_sops_meta_free(&old);
	return rc;
}

static int run_updatekeys(struct sops_opts *o)
{
	struct sg_buf out = SG_BUF_INIT;
	struct sg_sops_node *doc = NULL;
	struct sg_sops_meta meta;
	enum sg_sops_format fin, fout;
	uint8_t key[SG_SOPS_KEY_LEN];
	int rc = -1;

	memset(&meta, 0, sizeof(meta));
	if (o->nage == 0) {
		/* as sops: the recipients of the .sops.yaml rule for FILE */
		struct sg_sops_rule rule;
		int found = apply_config(o, &rule);
		if (found < 0)
			return cli_lib_error();
		if (found) {
			rc = run_updatekeys(o);
			o->age = NULL;
			o->nage = 0;
			sg_sops_rule_free(&rule);
			return rc;
		}
		return cli_usage("no recipients: use --age or a .sops.yaml");
	}
	if (formats(o, &fin, &fout) < 0 || check_recipients(o->age, o->nage) < 0)
		goto out;
	/* the data key and the values stay; the MAC is checked first so a
	 * tampered file is not blessed with new keys */
	if (open_encrypted(o, fin, &doc, &meta, key, 1) < 0)
		goto out;
	sg_sops_wipe(doc);
	doc = NULL;
	if (read_stored(o, fin, &doc) < 0)
		goto out_meta;
	if (sg_sops_wrap_key(&meta, o->age, o->nage, key) < 0 ||
	    sg_sops_write(fin, doc, &meta, &out) < 0)
		goto out_meta;
	o->in_place = 1;
	if (emit(o, &out, public_mode()) < 0)
		goto out_meta;
	fprintf(stderr, "signet: %s: data key re-encrypted to %zu recipient(s)\n", o->file, o->nage);
	rc = 0;
out_meta:
	sg_sops_meta_free(&meta);
out:
	sg_wipe(key, sizeof(key));
	sg_sops_wipe(doc);
	sg_buf_free(&out);
	return rc < 0 ? cli_lib_error() : CLI_EXIT_OK;
}

static int contains(char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], s))
			return 1;
	return 0;
}

static int run_rotate(struct sops_opts *o)
{
	struct sg_buf out = SG_BUF_INIT;
	struct sg_sops_node *doc = NULL;
	struct sg_sops_meta meta;
	enum sg_sops_format fin, fout;
	uint8_t key[SG_SOPS_KEY_LEN];
	char **rs = NULL;
	size_t nrs = 0;
	int rc = -1;

	memset(&meta, 0, sizeof(meta));
	if (formats(o, &fin, &fout) < 0 || check_recipients(o->age, o->nage) < 0 ||
	    open_encrypted(o, fin, &doc, &meta, key, 1) < 0)
		goto out;
	for (size_t i = 0; i < meta.nage + o->nage; i++) {
		const char *r = i < meta.nage ? meta.age[i].recipient : o->age[i - meta.nage];
		if (contains(rs, nrs, r) || contains(o->rm_age, o->nrm, r))
			continue;
		if (add_recipients(&rs, &nrs, r) < 0)
			goto out_meta;
	}
	if (nrs == 0) {
		sg_fail("rotate: no recipients would be left");
		goto out_meta;
	}
	if (sg_random(key, sizeof(key)) < 0 || sg_sops_wrap_key(&meta, rs, nrs, key) < 0 ||
	    sg_sops_encrypt(doc, &meta, key, getenv("SIGNET_SOPS_NOW")) < 0 ||
	    sg_sops_write(fout, doc, &meta, &out) < 0 || emit(o, &out, public_mode()) < 0)
		goto out_meta;
	rc = 0;
out_meta:
	sg_sops_meta_free(&meta);
out:
	free_list(rs, nrs);
	sg_wipe(key, sizeof(key));
	sg_sops_wipe(doc);
	sg_buf_free(&out);
	return rc < 0 ? cli_lib_error() : CLI_EXIT_OK;
}

static int run_editor(const char *path)
{
	const char *editor = getenv("EDITOR");
	pid_t pid;
	int status;

	if (!editor || !*editor)
		editor = "vi";
	setenv("SIGNET_EDITOR", editor, 1);
	pid = fork();
	if (pid < 0)
		return sg_fail_errno("fork");
	if (pid == 0) {
		/* through the shell, as $EDITOR may hold arguments */
		execl("/bin/sh", "sh", "-c", "exec $SIGNET_EDITOR \"$1\"", "sh", path, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return sg_fail_errno("waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return sg_fail("the editor (%s) failed; the file is unchanged", editor);
	return 0;
}

#define EDIT_PREFIX "signet-sops-edit."

/* Overwrites the file name in dir with zeros and removes it, so the
 * plaintext an edit put there does not stay on the disk. */
static void wipe_file(int dir, const char *name)
{
	static const uint8_t zero[4096];
	int fd = openat(dir, name, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;

	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		for (off_t left = st.st_size; left > 0;) {
			size_t n = left < (off_t)sizeof(zero) ? (size_t)left : sizeof(zero);
			if (sg_write_all(fd, zero, n) < 0)
				break;
			left -= (off_t)n;
		}
		fsync(fd);
	}
	if (fd >= 0)
		close(fd);
	unlinkat(dir, name, 0);
}

/* Wipes every file of an edit directory (the editor's backups too), then
 * removes it from parent. */
static void wipe_edit_dir(int parent, const char *name, int fd)
{
	int dup_fd = dup(fd);
	DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
	struct dirent *e;

	if (!d) {
		if (dup_fd >= 0)
			close(dup_fd);
		return;
	}
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			wipe_file(dirfd(d), e->d_name);
	closedir(d);
	unlinkat(parent, name, AT_REMOVEDIR);
}

/* An edit holds a lock on its directory while it lives; the directory of
 * one that was killed (no cleanup ran, the plaintext still in it) is
 * unlocked, and the next edit wipes it. */
static void wipe_dead_edits(const char *tmp)
{
	DIR *d = opendir(tmp);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		struct stat st;
		int fd;

		if (strncmp(e->d_name, EDIT_PREFIX, strlen(EDIT_PREFIX)))
			continue;
		fd = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (fstat(fd, &st) == 0 && st.st_uid == geteuid() && flock(fd, LOCK_EX | LOCK_NB) == 0)
			wipe_edit_dir(dirfd(d), e->d_name, fd);
		close(fd);
	}
	closedir(d);
}

/* An edit's plaintext copy: a directory of its own in $TMPDIR, locked
 * while the edit lives, holding FILE's plaintext under its format's
 * extension (so the editor knows the syntax). */
struct edit_dir {
	const char *tmp;
	char dir[4096], path[4096 + 32];
	int fd, made;
};

static int edit_dir_open(struct edit_dir *e, enum sg_sops_format fin)
{
	e->tmp = getenv("TMPDIR");
	if (!e->tmp || !*e->tmp)
		e->tmp = "/tmp";
	wipe_dead_edits(e->tmp);
	snprintf(e->dir, sizeof(e->dir), "%s/" EDIT_PREFIX "XXXXXX", e->tmp);
	if (!mkdtemp(e->dir))
		return sg_fail_errno("mkdtemp");
	e->made = 1;
	/* held until the directory is wiped: a kill leaves it unlocked */
	if ((e->fd = open(e->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    flock(e->fd, LOCK_EX) < 0)
		return sg_fail_errno("%s", e->dir);
	snprintf(e->path, sizeof(e->path), "%s/%s", e->dir,
		 fin == SG_SOPS_JSON	 ? "file.json"
		 : fin == SG_SOPS_DOTENV ? "file.env"
		 : fin == SG_SOPS_BINARY ? "file.txt"
					 : "file.yaml");
	return 0;
}

/* The plaintext overwritten before it is unlinked, and whatever the
 * editor left beside it (backups, swap files). */
static void edit_dir_close(struct edit_dir *e)
{
	int parent;

	if (!e->made)
		return;
	parent = open(e->tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (parent >= 0 && e->fd >= 0)
		wipe_edit_dir(parent, strrchr(e->dir, '/') + 1, e->fd);
	if (parent >= 0)
		close(parent);
	if (e->fd >= 0)
		close(e->fd);
}

/* Puts plain in the edit directory, runs the editor on it and reads back
 * what it left. */
static int edit_in_editor(const struct edit_dir *e, const struct sg_buf *plain, struct sg_buf *edited)
{
	if (sg_write_file_atomic(e->path, plain->data, plain->len, 0600, 0) < 0 ||
	    run_editor(e->path) < 0 || sg_read_file(e->path, edited, MAX_SOPS_INPUT) < 0)
		return -1;
	return 0;
}

/* What an edit works on: FILE's data key and metadata, and its plaintext. */
struct edit {
	struct sg_sops_node *doc;
	struct sg_sops_meta meta;
	struct sg_sops_rule rule;
	uint8_t key[SG_SOPS_KEY_LEN];
	struct sg_buf plain;
	int have_meta, have_rule, created;
};

/* A FILE that does not exist, as sops creates one: recipients from
 * --age, $SOPS_AGE_RECIPIENTS or the .sops.yaml rule, a new data key and
 * an empty plaintext ("{}" for JSON). */
static int edit_start_new(struct sops_opts *o, enum sg_sops_format fin, struct edit *e)
{
	e->created = 1;
	if (!o->nage && getenv("SOPS_AGE_RECIPIENTS") &&
	    add_recipients(&o->age, &o->nage, getenv("SOPS_AGE_RECIPIENTS")) < 0)
		return -1;
	if (!o->nage) {
		int found = apply_config(o, &e->rule);
		if (found < 0)
			return -1;
		e->have_rule = found;
	}
	if (!o->nage)
		return sg_fail("%s does not exist: to create it, give recipients (--age, "
			       "$SOPS_AGE_RECIPIENTS or a .sops.yaml)",
			       o->file);
	e->have_meta = 1;
	if (check_recipients(o->age, o->nage) < 0 || meta_from_opts(o, &e->meta) < 0 ||
	    sg_random(e->key, sizeof(e->key)) < 0 ||
	    sg_sops_wrap_key(&e->meta, o->age, o->nage, e->key) < 0)
		return -1;
	if (fin == SG_SOPS_JSON && sg_buf_append_str(&e->plain, "{}\n") < 0)
		return -1;
	return 0;
}

/* An existing FILE: its data key and metadata, and its decrypted values. */
static int edit_start_existing(struct sops_opts *o, enum sg_sops_format fin, struct edit *e)
{
	if (open_encrypted(o, fin, &e->doc, &e->meta, e->key, 1) < 0)
		return -1;
	e->have_meta = 1;
	return sg_sops_write(fin, e->doc, NULL, &e->plain);
}

/* Encrypts the edited plaintext with FILE's data key and recipients (sops
 * keeps both when editing) and replaces FILE. */
static int edit_save(struct sops_opts *o, enum sg_sops_format fin, struct edit *e,
		     const struct sg_buf *edited)
{
	struct sg_sops_node *ndoc = NULL;
	struct sg_buf out = SG_BUF_INIT;
	int rc = -1;

	if (sg_sops_read_plain(fin, o->file, (const char *)edited->data, edited->len, &ndoc) < 0)
		goto out;
	if (has_metadata(fin, ndoc)) {
		sg_fail("%s: the edited file must not contain sops metadata", o->file);
		goto out;
	}
	if (sg_sops_encrypt(ndoc, &e->meta, e->key, getenv("SIGNET_SOPS_NOW")) < 0 ||
	    sg_sops_write(fin, ndoc, &e->meta, &out) < 0)
		goto out;
	o->in_place = 1;
	rc = emit(o, &out, public_mode());
out:
	sg_sops_wipe(ndoc);
	sg_buf_free(&out);
	return rc;
}

static void edit_free(struct sops_opts *o, struct edit *e)
{
	if (e->have_meta)
		sg_sops_meta_free(&e->meta);
	if (e->have_rule) {
		/* the rule owned the recipients */
		o->age = NULL;
		o->nage = 0;
		sg_sops_rule_free(&e->rule);
	}
	sg_wipe(e->key, sizeof(e->key));
	sg_sops_wipe(e->doc);
	sg_buf_wipe(&e->plain);
}

static int run_edit(struct sops_opts *o)
{
	struct sg_buf edited = SG_BUF_INIT;
	struct edit_dir dir = { .fd = -1 };
	enum sg_sops_format fin, fout;
	struct edit e;
	int rc;

	memset(&e, 0, sizeof(e));
	rc = formats(o, &fin, &fout); /* edit writes FILE in its own format */
	if (rc == 0)
		rc = access(o->file, F_OK) != 0 && errno == ENOENT ? edit_start_new(o, fin, &e)
								   : edit_start_existing(o, fin, &e);
	if (rc == 0)
		rc = edit_dir_open(&dir, fin);
	if (rc == 0)
		rc = edit_in_editor(&dir, &e.plain, &edited);
	if (rc == 0 && edited.len == e.plain.len &&
	    (!e.plain.len || !memcmp(edited.data, e.plain.data, e.plain.len)))
		fprintf(stderr,
			e.created ? "signet: %s: nothing written, the file stays absent\n"
				  : "signet: %s: file unchanged, not re-encrypted\n",
			o->file);
	else if (rc == 0)
		rc = edit_save(o, fin, &e, &edited);
	edit_dir_close(&dir);
	edit_free(o, &e);
	sg_buf_wipe(&edited);
	return rc < 0 ? cli_lib_error() : CLI_EXIT_OK;
}

static int sops_option(void *ctx, int c, const char *arg)
{
	struct sops_opts *o = ctx;
	enum mode mode;

	switch (c) {
	case 'e': mode = MODE_ENCRYPT; break;
	case 'd': mode = MODE_DECRYPT; break;
	case 'r': mode = MODE_ROTATE; break;
	case 'i': o->in_place = 1; return 0;
	case 'y': return 0; /* sops updatekeys asks; signet never does */
	case OPT_AGE:
	case OPT_ADD_AGE: return add_recipients(&o->age, &o->nage, arg) < 0 ? cli_lib_error() : 0;
	case OPT_RM_AGE: return add_recipients(&o->rm_age, &o->nrm, arg) < 0 ? cli_lib_error() : 0;
	case OPT_ENC_REGEX:
		o->enc_regex = arg;
		o->nrules++;
		return 0;
	case OPT_UNENC_REGEX:
		o->unenc_regex = arg;
		o->nrules++;
		return 0;
	case OPT_ENC_SUFFIX:
		o->enc_suffix = arg;
		o->nrules++;
		return 0;
	case OPT_UNENC_SUFFIX:
		o->unenc_suffix = arg;
		o->nrules++;
		return 0;
	case OPT_MAC_ONLY: o->mac_only = 1; return 0;
	case OPT_INPUT_TYPE: o->input_type = arg; return 0;
	case OPT_OUTPUT_TYPE: o->output_type = arg; return 0;
	case OPT_EXTRACT: o->extract = arg; return 0;
	case OPT_OUTPUT: o->output = arg; return 0;
	default: o->config = arg; return 0; /* OPT_CONFIG */
	}
	if (o->mode != MODE_NONE && o->mode != mode)
		return cli_usage("-e, -d and -r are mutually exclusive");
	o->mode = mode;
	return 0;
}

static int parse_args(struct sops_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "encrypt", no_argument, NULL, 'e' },
		{ "decrypt", no_argument, NULL, 'd' },
		{ "rotate", no_argument, NULL, 'r' },
		{ "in-place", no_argument, NULL, 'i' },
		{ "age", required_argument, NULL, OPT_AGE },
		{ "encrypted-regex", required_argument, NULL, OPT_ENC_REGEX },
		{ "unencrypted-regex", required_argument, NULL, OPT_UNENC_REGEX },
		{ "encrypted-suffix", required_argument, NULL, OPT_ENC_SUFFIX },
		{ "unencrypted-suffix", required_argument, NULL, OPT_UNENC_SUFFIX },
		{ "mac-only-encrypted", no_argument, NULL, OPT_MAC_ONLY },
		{ "input-type", required_argument, NULL, OPT_INPUT_TYPE },
		{ "output-type", required_argument, NULL, OPT_OUTPUT_TYPE },
		{ "extract", required_argument, NULL, OPT_EXTRACT },
		{ "output", required_argument, NULL, OPT_OUTPUT },
		{ "add-age", required_argument, NULL, OPT_ADD_AGE },
		{ "rm-age", required_argument, NULL, OPT_RM_AGE },
		{ "config", required_argument, NULL, OPT_CONFIG },
		{ "yes", no_argument, NULL, 'y' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_opts opts = { usage, "edriy", longopts, 1, 1 };
	int rc = cli_parse(&opts, argc, argv, sops_option, o);

	if (rc != CLI_RUN)
		return rc;
	o->file = argv[optind];
	if (o->nrules > 1)
		return cli_usage("use only one of --encrypted-regex, --unencrypted-regex, "
				 "--encrypted-suffix, --unencrypted-suffix");
	if (o->in_place && o->output)
		return cli_usage("-i and --output are mutually exclusive");
	if (o->in_place && o->extract)
		return cli_usage("-i and --extract are mutually exclusive");
	return CLI_RUN;
}

/* The checks that need the mode: a subcommand's (sub) or -e/-d/-r's. */
static int check_mode(struct sops_opts *o, enum mode sub)
{
	if (sub != MODE_NONE) {
		if (o->mode != MODE_NONE && o->mode != sub)
			return cli_usage("-e, -d and -r do not go with this command");
		o->mode = sub;
	}
	if (o->nrm && o->mode != MODE_ROTATE)
		return cli_usage("--add-age and --rm-age are for rotate");
	/* sops FILE, without a mode, edits FILE */
	if ((o->mode == MODE_EDIT || o->mode == MODE_NONE) && (o->in_place || o->output || o->extract))
		return cli_usage("edit writes FILE itself (no -i, --output, --extract)");
	return 0;
}

static int sops_run(enum mode sub, int argc, char **argv)
{
	struct sops_opts o;
	int rc;

	memset(&o, 0, sizeof(o));
	rc = parse_args(&o, argc, argv);
	if (rc == CLI_RUN && (rc = check_mode(&o, sub)) == 0) {
		switch (o.mode) {
		case MODE_ENCRYPT: rc = run_encrypt(&o); break;
		case MODE_DECRYPT: rc = run_decrypt(&o); break;
		case MODE_ROTATE: rc = run_rotate(&o); break;
		case MODE_UPDATEKEYS: rc = run_updatekeys(&o); break;
		case MODE_EDIT:
		case MODE_NONE: rc = run_edit(&o); break;
		}
	}
	free_list(o.age, o.nage);
	free_list(o.rm_age, o.nrm);
	return rc;
}

static int sops_encrypt(int argc, char **argv)
{
	return sops_run(MODE_ENCRYPT, argc, argv);
}

static int sops_decrypt(int argc, char **argv)
{
	return sops_run(MODE_DECRYPT, argc, argv);
}

static int sops_updatekeys(int argc, char **argv)
{
	return sops_run(MODE_UPDATEKEYS, argc, argv);
}

static int sops_rotate(int argc, char **argv)
{
	return sops_run(MODE_ROTATE, argc, argv);
}

static int sops_edit(int argc, char **argv)
{
	return sops_run(MODE_EDIT, argc, argv);
}

int cmd_sops(int argc, char **argv)
{
	/* the dispatch names a subcommand's usage errors after it ("signet
	 * sops rotate"); its options and help are sops's own */
	static const struct cli_command table[] = {
		{ "updatekeys", sops_updatekeys, "re-encrypt the data key to new recipients" },
		{ "rotate", sops_rotate, "a new data key" },
		{ "edit", sops_edit, "edit the decrypted file in $EDITOR" },
		{ "encrypt", sops_encrypt, "the same as -e" },
		{ "decrypt", sops_decrypt, "the same as -d" },
	};
	const size_t n = sizeof(table) / sizeof(table[0]);

	/* without a subcommand, as sops: "signet sops -d FILE" */
	for (size_t i = 0; argc > 1 && i < n; i++)
		if (!strcmp(argv[1], table[i].name))
			return cli_dispatch(table, n, "signet sops", argc, argv);
	return sops_run(MODE_NONE, argc, argv);
}
