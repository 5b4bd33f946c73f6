/*
 * progress.c — the progress line (see progress.h).
 */
#include <stdio.h>
#include <unistd.h>

#include "progress.h"
#include "util.h"

#define PROGRESS_EVERY_MS	250	/* a few updates a second */

void
progress_format(char *out, size_t outlen, off_t done, off_t total,
    long long elapsed_ms)
{
	double mib = 1024.0 * 1024.0;
	double rate = elapsed_ms > 0 ? (double)done / mib * 1000.0 /
	    (double)elapsed_ms : 0.0;
	long long left = -1;

	if (done > total)
		total = done;
	if (rate > 0.0)
		left = (long long)((double)(total - done) / mib / rate + 0.5);
	if (left < 0)
		snprintf(out, outlen, "postie: %.1f of %.1f MiB",
		    (double)done / mib, (double)total / mib);
	else
		snprintf(out, outlen, "postie: %.1f of %.1f MiB, %.1f MiB/s, "
		    "%lld s left", (double)done / mib, (double)total / mib,
		    rate, left);
}

void
progress_start(struct progress *p, int fd, off_t total)
{
	p->fd = total > PROGRESS_MIN ? fd : -1;
	p->shown = false;
	p->total = total;
	p->done = 0;
	p->start_ms = now_ms();
	p->last_ms = p->start_ms - PROGRESS_EVERY_MS;	/* draw at once */
}

/* "\r" + the line + erase to the end of the line: one write, so that
 * the line never shows half drawn. */
void
progress_tick(struct progress *p, size_t n)
{
	char line[160], out[200];
	long long now;
	int len;

	p->done += (off_t)n;
	if (p->fd < 0 || (now = now_ms()) - p->last_ms < PROGRESS_EVERY_MS)
		return;
	p->last_ms = now;
	progress_format(line, sizeof(line), p->done, p->total,
	    now - p->start_ms);
	len = snprintf(out, sizeof(out), "\r%s\033[K", line);
	if (len > 0 && write(p->fd, out, (size_t)len) > 0)
		p->shown = true;
}

void
progress_end(struct progress *p)
{
	if (p->shown)
		(void)!write(p->fd, "\r\033[K", 4);
	p->shown = false;
}
