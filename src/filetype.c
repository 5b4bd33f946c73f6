/*
 * filetype.c — what type a file is, by libmagic (see filetype.h).
 */
#include <magic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "filetype.h"
#include "util.h"

struct filetype {
	magic_t	 magic;		/* NULL until loaded, or when unusable */
	bool	 tried;		/* loading was tried: never twice */
};

struct filetype *
filetype_new(void)
{
	return xcalloc(1, sizeof(struct filetype));
}

void
filetype_free(struct filetype *ft)
{
	if (ft == NULL)
		return;
	if (ft->magic != NULL)
		magic_close(ft->magic);
	free(ft);
}

bool
filetype_is_mime_type(const char *t)
{
	const char *slash = strchr(t, '/');
	static const char tspecials[] = "()<>@,;:\\\"/[]?=";

	if (slash == NULL || slash == t || slash[1] == '\0')
		return false;
	for (const char *p = t; *p != '\0'; p++)
		if (p != slash && (*p <= ' ' || *p >= 0x7f ||
		    strchr(tspecials, *p) != NULL))
			return false;
	return true;
}

/* Load the magic database once; a failure leaves ft->magic NULL. */
static void
filetype_load(struct filetype *ft)
{
	size_t bytes = FILETYPE_MAGIC_BYTES;

	if (ft->tried)
		return;
	ft->tried = true;
	ft->magic = magic_open(MAGIC_MIME_TYPE | MAGIC_MIME_ENCODING |
	    MAGIC_NO_CHECK_COMPRESS);
	if (ft->magic == NULL)
		return;
	magic_setparam(ft->magic, MAGIC_PARAM_BYTES_MAX, &bytes);
	if (magic_load(ft->magic, NULL) == -1) {
		magic_close(ft->magic);
		ft->magic = NULL;
	}
}

char *
filetype_content_type(struct filetype *ft, int fd)
{
	const char *r = NULL, *semi, *cs;
	char *type;

	filetype_load(ft);
	if (ft->magic != NULL && lseek(fd, 0, SEEK_SET) == 0)
		r = magic_descriptor(ft->magic, fd);
	if (r == NULL || (semi = strchr(r, ';')) == NULL)
		return xstrdup("application/octet-stream");
	type = xstrndup(r, (size_t)(semi - r));
	if (!filetype_is_mime_type(type) || ascii_prefix_ci(type, "inode/")) {
		free(type);
		return xstrdup("application/octet-stream");
	}
	cs = strstr(semi, "charset=");
	if (ascii_prefix_ci(type, "text/") && cs != NULL &&
	    strcmp(cs + 8, "binary") != 0 && strpbrk(cs + 8, " \t\r\n\";") ==
	    NULL) {
		char *t = xasprintf("%s; charset=%s", type, cs + 8);

		free(type);
		return t;
	}
	return type;
}
