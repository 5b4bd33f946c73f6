/*
 * filetype.h — what type a file is: the Content-Type of an attachment.
 *
 * Types come from libmagic (its MIME type, with the charset for text),
 * asked through a handle that loads the magic database once, at the first
 * file asked about, so that a message without attachments never loads it.
 * libmagic reads at most FILETYPE_MAGIC_BYTES of a file, so memory stays
 * flat whatever its size.  When libmagic cannot load or cannot tell, the
 * answer is application/octet-stream: an honest label, never a failure.
 *
 * filetype_is_mime_type checks the syntax of a type given by the user
 * ("-a FILE;type=...") and of what libmagic answers (RFC 2045 §5.1).
 */
#ifndef POSTIE_FILETYPE_H
#define POSTIE_FILETYPE_H

#include <stdbool.h>

#define FILETYPE_MAGIC_BYTES	(256 * 1024)	/* what libmagic may read */

struct filetype;

/* A handle that has not loaded libmagic yet.  Never fails (xmalloc).
 * Free with filetype_free. */
struct filetype *filetype_new(void);

/*
 * The Content-Type (without parameters but charset) of the file open on
 * fd: "image/png", "text/plain; charset=utf-8", or
 * "application/octet-stream" when libmagic is not usable or the answer is
 * not a MIME type (inode/..., a malformed one).  The first call loads
 * libmagic.  fd must be seekable: it is read from offset 0 and its offset
 * is left where libmagic leaves it.  Returns a string the caller frees;
 * never NULL.
 */
char	*filetype_content_type(struct filetype *ft, int fd);

/* Closes libmagic if it was loaded; NULL is allowed. */
void	 filetype_free(struct filetype *ft);

/* t is "type/subtype" with only token characters (RFC 2045 §5.1), no
 * parameters. */
bool	 filetype_is_mime_type(const char *t);

#endif
