/* path.h - lexical path cleaning, without asking the file system.
 *
 * sg_path_clean() writes the components of in to out joined by single
 * '/': no leading, trailing or doubled '/' and no "." components, so
 * "/usr//lib/./x" becomes "usr/lib/x". A ".." component is refused
 * (SG_PATH_REFUSE_DOTDOT, for archive paths, which must not climb) or
 * removes the component before it, none above the top, as in the root
 * directory (SG_PATH_RESOLVE_DOTDOT, for paths inside a tree whose
 * directories are all real). An empty result and one that does not fit
 * in cap bytes (its NUL included) are refused, as is a path whose
 * components before a ".." removes them do not fit; what names in in the
 * message ("archive path 'x/..': '..' not allowed").
 */
#ifndef SIGNET_PATH_H
#define SIGNET_PATH_H

#include <stddef.h>

enum sg_path_dotdot {
	SG_PATH_REFUSE_DOTDOT,
	SG_PATH_RESOLVE_DOTDOT,
};

int sg_path_clean(const char *in, enum sg_path_dotdot dotdot, char *out, size_t cap,
		  const char *what);

/* The room for a joined path, as the kernel's PATH_MAX. */
#define SG_PATH_MAX 4096

/* Writes "dir/name" to out (cap bytes, its NUL included), with no second
 * '/' when dir ends in one. A result that does not fit is refused
 * ("dir/name: path too long"), out then holding an empty string. */
int sg_path_join(char *out, size_t cap, const char *dir, const char *name);

#endif
