/*
 * dropframe.h — the drop helper's input, as a user's postie frames it
 * (sysmode.h): "env LEN\n", LEN bytes of state, then the message in
 * chunks, "N\n" and N bytes (N at most SYSMODE_CHUNK_MAX), "0\n" last.
 * The helper (drop_main.c) runs this parser with the drop group, so it
 * links the C library alone, like the helper; the fuzz target runs it
 * on arbitrary bytes.
 */
#ifndef POSTIE_DROPFRAME_H
#define POSTIE_DROPFRAME_H

#include <stddef.h>

/* Where the bytes come from and go to.  read: len bytes into buf, fewer
 * only when the input has ended; write: all len bytes.  Either may stop
 * the process on an I/O error (the helper does): the parser never sees
 * one. */
struct dropframe_io {
	size_t	(*read)(void *ctx, char *buf, size_t len);
	void	(*write)(void *ctx, const char *buf, size_t len);
	void	*ctx;
};

/* The "env LEN\n" line, read a byte at a time so that nothing after it
 * is consumed.  NULL with *envlen (at most SYSMODE_ENV_MAX), or a
 * one-line reason the input is not an entry. */
const char *dropframe_env(const struct dropframe_io *io, size_t *envlen);

/* The state's envlen bytes, then each chunk's bytes, written unframed,
 * up to and excluding "0\n".  total: the bytes already written (the
 * header); the whole never passes SYSMODE_DROP_MAX.  NULL once "0\n"
 * has been read, or a one-line reason (input cut short, a bad chunk
 * line, too large): the caller must not keep what was written. */
const char *dropframe_copy(const struct dropframe_io *io, size_t envlen,
	    long long total);

#endif
