/*
 * progress.h — the progress line shown on a terminal while a large
 * message is sent (design §1: "the message is large"): bytes sent, the
 * attached files' own size, rate and time left, redrawn a few times a
 * second in place, cut to the terminal's width, and erased at the end,
 * so that nothing of it stays in the terminal's scrollback.  Once every
 * byte is written it says that the server's reply is awaited (a large
 * message's final reply can take a while).  While the line is shown,
 * SIGINT and SIGTERM erase it and print "postie: interrupted: the
 * message was not sent" (once every byte is written: "... before the
 * server's reply: the message may have been sent") before postie dies of
 * the signal as it would have (the handlers are progress.c's own,
 * restored by progress_end; a signal already ignored stays ignored).
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
	bool	 waiting;	/* all written: the reply line is drawn */
	off_t	 total, done;
	off_t	 files;		/* the attached files' size, or 0 */
	long long start_ms, last_ms;
};

/* Start counting towards total bytes (files: the size of the attached
 * files those bytes encode, or 0); fd -1 (or a total under PROGRESS_MIN)
 * makes every other call do nothing. */
void	progress_start(struct progress *p, int fd, off_t total, off_t files);
/* n more bytes sent: redraw when the last drawing is old enough. */
void	progress_tick(struct progress *p, size_t n);
/* Every byte is written: "postie: 100.0 MiB sent; waiting for the
 * server's reply" until progress_end. */
void	progress_sent(struct progress *p);
/* Erase the line when one was drawn, and give the signals back. */
void	progress_end(struct progress *p);

/* The line (without "\r"): "postie: 12.0 of 100.0 MiB (files 73.9 MiB),
 * 45.3 MiB/s, 2 s left".  done, total and files (0: none) in bytes,
 * elapsed in milliseconds. */
void	progress_format(char *out, size_t outlen, off_t done, off_t total,
	    off_t files, long long elapsed_ms);
/* Cut a line to cols - 1 columns (the last column would wrap on some
 * terminals); cols 0 (unknown) leaves it.  The line is ASCII. */
void	progress_fit(char *line, int cols);

#endif
