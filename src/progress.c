/*
 * progress.c — the progress line (see progress.h).
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "progress.h"
#include "util.h"

#define PROGRESS_EVERY_MS	250	/* a few updates a second */

/* The terminal the line is on, for the signal handler: a signal handler
 * has no other way to reach it.  -1 when no line is shown. */
static volatile sig_atomic_t progress_sig_fd = -1;
/* Every byte written: the server may have the message already. */
static volatile sig_atomic_t progress_sig_waiting;
static struct sigaction progress_old_int, progress_old_term;

void
progress_format(char *out, size_t outlen, off_t done, off_t total,
    off_t files, long long elapsed_ms)
{
	double mib = 1024.0 * 1024.0;
	double rate = elapsed_ms > 0 ? (double)done / mib * 1000.0 /
	    (double)elapsed_ms : 0.0;
	long long left = -1;
	char f[64] = "";

	if (done > total)
		total = done;
	if (files > 0)
		snprintf(f, sizeof(f), " (files %.1f MiB)",
		    (double)files / mib);
	if (rate > 0.0)
		left = (long long)((double)(total - done) / mib / rate + 0.5);
	if (left < 0)
		snprintf(out, outlen, "postie: %.1f of %.1f MiB%s",
		    (double)done / mib, (double)total / mib, f);
	else
		snprintf(out, outlen, "postie: %.1f of %.1f MiB%s, %.1f MiB/s, "
		    "%lld s left", (double)done / mib, (double)total / mib, f,
		    rate, left);
}

void
progress_fit(char *line, int cols)
{
	if (cols > 1 && strlen(line) > (size_t)cols - 1)
		line[cols - 1] = '\0';
}

/* Async-signal-safe: write(2), sigaction(2), raise(3) only. */
static void
progress_on_signal(int sig)
{
	static const char msg[] = "\r\033[Kpostie: interrupted: the message "
	    "was not sent\n";
	static const char late[] = "\r\033[Kpostie: interrupted before the "
	    "server's reply: the message may have been sent\n";
	int fd = progress_sig_fd;

	if (fd >= 0 && progress_sig_waiting)
		(void)!write(fd, late, sizeof(late) - 1);
	else if (fd >= 0)
		(void)!write(fd, msg, sizeof(msg) - 1);
	sigaction(SIGINT, &progress_old_int, NULL);
	sigaction(SIGTERM, &progress_old_term, NULL);
	raise(sig);
}

void
progress_start(struct progress *p, int fd, off_t total, off_t files)
{
	struct sigaction sa;

	p->fd = total > PROGRESS_MIN ? fd : -1;
	p->shown = false;
	p->waiting = false;
	p->total = total;
	p->files = files;
	p->done = 0;
	p->start_ms = now_ms();
	p->last_ms = p->start_ms - PROGRESS_EVERY_MS;	/* draw at once */
	if (p->fd < 0 || progress_sig_fd >= 0)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = progress_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &progress_old_int);
	sigaction(SIGTERM, &sa, &progress_old_term);
	/* A signal the caller ignores (nohup, a background job) stays
	 * ignored: postie goes on sending, and says nothing. */
	if (progress_old_int.sa_handler == SIG_IGN)
		sigaction(SIGINT, &progress_old_int, NULL);
	if (progress_old_term.sa_handler == SIG_IGN)
		sigaction(SIGTERM, &progress_old_term, NULL);
	progress_sig_waiting = 0;
	progress_sig_fd = p->fd;
}

/* The terminal's width now (it may change while sending), 0 unknown. */
static int
progress_cols(int fd)
{
	struct winsize ws;

	if (ioctl(fd, TIOCGWINSZ, &ws) == -1)
		return 0;
	return ws.ws_col;
}

/* "\r" + the line + erase to the end of the line: one write, so that
 * the line never shows half drawn. */
static void
progress_draw(struct progress *p, char *line)
{
	char out[300];
	int len;

	progress_fit(line, progress_cols(p->fd));
	len = snprintf(out, sizeof(out), "\r%s\033[K", line);
	if (len > 0 && write(p->fd, out, (size_t)len) > 0)
		p->shown = true;
}

void
progress_tick(struct progress *p, size_t n)
{
	char line[200];
	long long now;

	p->done += (off_t)n;
	if (p->fd < 0 || p->waiting ||
	    (now = now_ms()) - p->last_ms < PROGRESS_EVERY_MS)
		return;
	p->last_ms = now;
	progress_format(line, sizeof(line), p->done, p->total, p->files,
	    now - p->start_ms);
	progress_draw(p, line);
}

void
progress_sent(struct progress *p)
{
	char line[200];

	if (p->fd < 0 || p->waiting)
		return;
	p->waiting = true;
	progress_sig_waiting = 1;
	snprintf(line, sizeof(line), "postie: %.1f MiB sent; waiting for the "
	    "server's reply", (double)p->done / (1024.0 * 1024.0));
	progress_draw(p, line);
}

void
progress_end(struct progress *p)
{
	if (p->shown)
		(void)!write(p->fd, "\r\033[K", 4);
	p->shown = false;
	if (p->fd >= 0 && progress_sig_fd == p->fd) {
		progress_sig_fd = -1;
		sigaction(SIGINT, &progress_old_int, NULL);
		sigaction(SIGTERM, &progress_old_term, NULL);
	}
	p->fd = -1;
}
