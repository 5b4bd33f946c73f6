/*
 * err.h — the one error type of postie.
 *
 * A failure is described once, where it is seen, and passed up unchanged.
 * Functions that can fail return 0 on success and -1 on failure, having
 * filled the caller's struct err.  Only main() prints it and exits with ex.
 *
 * ex is a sysexits(3) value.  For server replies and TLS/AUTH refusals,
 * lower layers set EX_TEMPFAIL/EX_PROTOCOL/EX_NOPERM as a first guess and
 * delivery.c alone decides the final classification.
 */
#ifndef POSTIE_ERR_H
#define POSTIE_ERR_H

#include <stdarg.h>
#include <sysexits.h>

#define ERR_MSG_MAX 512

struct err {
	int	ex;		/* sysexits value; 0 while no error */
	char	msg[ERR_MSG_MAX];	/* one line, no trailing newline */
};

/* Fill e (when non-NULL) and return -1, so that `return err_set(...)` reads. */
int	err_set(struct err *e, int ex, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
int	err_setv(struct err *e, int ex, const char *fmt, va_list ap)
	    __attribute__((format(printf, 3, 0)));
/* Like err_set, appending ": strerror(errno)" (errno read on entry). */
int	err_sys(struct err *e, int ex, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* Put "prefix: " before the message already in e; keeps e->ex. Returns -1. */
int	err_prefix(struct err *e, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Append text (a hint: " (use ...)") to the message in e; keeps e->ex.
 * Returns -1. */
int	err_append(struct err *e, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	err_clear(struct err *e);

#endif
