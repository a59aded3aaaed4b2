#include "path.h"

#include <stdio.h>
#include <string.h>

#include "err.h"

int sg_path_join(char *out, size_t cap, const char *dir, const char *name)
{
	size_t d = strlen(dir);
	const char *sep = d && dir[d - 1] == '/' ? "" : "/";
	int n = snprintf(out, cap, "%s%s%s", dir, sep, name);

	if (n < 0 || (size_t)n >= cap) {
		if (cap)
			out[0] = '\0';
		return sg_fail("%s%s%s: path too long", dir, sep, name);
	}
	return 0;
}

int sg_path_clean(const char *in, enum sg_path_dotdot dotdot, char *out, size_t cap, const char *what)
{
	size_t o = 0;
	const char *p = in;

	while (*p) {
		const char *q;
		size_t n;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		q = strchr(p, '/');
		n = q ? (size_t)(q - p) : strlen(p);
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (dotdot == SG_PATH_REFUSE_DOTDOT)
				return sg_fail("%s '%.200s': '..' not allowed", what, in);
			while (o > 0 && out[--o] != '/')
				;
		} else if (!(n == 1 && p[0] == '.')) {
			/* The component, its '/' when not the first, the NUL. */
			if (o + (o ? 1 : 0) + n + 1 > cap)
				return sg_fail("%s '%.200s': too long", what, in);
			if (o)
				out[o++] = '/';
			memcpy(out + o, p, n);
			o += n;
		}
		p += n;
	}
	if (o == 0)
		return sg_fail("%s '%.200s': names no entry", what, in);
	out[o] = '\0';
	return 0;
}
