/*
 * progress.h — the progress line shown on a terminal while a large
 * message is sent (design §1: "the message is large"): bytes sent, rate
 * and time left, redrawn a few times a second in place and erased at the
 * end, so that nothing of it stays in the terminal's scrollback.
 */
#ifndef POSTIE_PROGRESS_H
#define POSTIE_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Below this many bytes no line is shown. */
#define PROGRESS_MIN		(1024 * 1024)

struct progress {
	int	 fd;		/* the terminal, or -1: no line */
	bool	 shown;		/* something is drawn: erase it at the end */
	off_t	 total, done;
	long long start_ms, last_ms;
};

/* Start counting towards total bytes; fd -1 (or a total under
 * PROGRESS_MIN) makes every other call do nothing. */
void	progress_start(struct progress *p, int fd, off_t total);
/* n more bytes sent: redraw when the last drawing is old enough. */
void	progress_tick(struct progress *p, size_t n);
/* Erase the line when one was drawn. */
void	progress_end(struct progress *p);

/* The line (without "\r"): "postie: 12.0 of 100.0 MiB, 45.3 MiB/s, 2 s
 * left".  done and total in bytes, elapsed in milliseconds. */
void	progress_format(char *out, size_t outlen, off_t done, off_t total,
	    long long elapsed_ms);

#endif
