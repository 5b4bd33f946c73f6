/*
 * metrics.c — the Prometheus text file (see metrics.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sysexits.h>
#include <unistd.h>

#include "failover.h"
#include "metrics.h"

/* What is carried from one version of the file to the next. */
enum kept {
	K_SENT, K_DEFERRED, K_FAILED, K_NOTICES, K_LAST_RUN, K_LAST_OK,
	K_COUNT
};

static const char *const kept_names[K_COUNT] = {
	"postie_messages_sent_total",
	"postie_messages_deferred_total",
	"postie_messages_failed_total",
	"postie_notices_sent_total",
	"postie_queue_last_run_timestamp_seconds",
	"postie_queue_last_run_success",
};

/* Read back the kept values from the current file (missing: 0). */
static void
read_kept(const char *path, long long v[K_COUNT])
{
	char line[512];
	FILE *f = fopen(path, "re");

	memset(v, 0, sizeof(long long) * K_COUNT);
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *sp = strchr(line, ' ');

		if (line[0] == '#' || sp == NULL)
			continue;
		*sp = '\0';
		for (int k = 0; k < K_COUNT; k++)
			if (strcmp(line, kept_names[k]) == 0) {
				long long n = strtoll(sp + 1, NULL, 10);

				v[k] = n >= 0 ? n : 0;
			}
	}
	fclose(f);
}

/* The entries of dir (ids of "*.env") and the oldest one's time, from
 * its id: 9 hex digits of seconds lead every id (queuefile.h). */
static size_t
count_entries(const char *dir, long long *oldest)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		char hex[10];
		long long t;

		if (len < 5 || strcmp(de->d_name + len - 4, ".env") != 0 ||
		    de->d_name[0] == '.')
			continue;
		n++;
		if (oldest == NULL || len < 13)
			continue;
		memcpy(hex, de->d_name, 9);
		hex[9] = '\0';
		t = strtoll(hex, NULL, 16);
		if (t > 0 && (*oldest == 0 || t < *oldest))
			*oldest = t;
	}
	closedir(d);
	return n;
}

static void
put_metric(struct buf *b, const char *name, const char *type,
    const char *help)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
format(struct buf *b, const struct strlist *dirs, const long long kept[],
    long long now)
{
	size_t deferred = 0, failed = 0, down = 0;
	long long oldest = 0;

	for (size_t i = 0; i < dirs->n; i++) {
		char *fdir = xasprintf("%s/failed", dirs->v[i]);

		deferred += count_entries(dirs->v[i], &oldest);
		failed += count_entries(fdir, NULL);
		down += failover_down_count(dirs->v[i], now);
		free(fdir);
	}
	put_metric(b, "postie_queue_messages", "gauge",
	    "Messages in postie's queue directories, by state.");
	buf_printf(b, "postie_queue_messages{state=\"deferred\"} %zu\n",
	    deferred);
	buf_printf(b, "postie_queue_messages{state=\"failed\"} %zu\n", failed);
	put_metric(b, "postie_queue_oldest_message_age_seconds", "gauge",
	    "Age of the oldest message waiting in the queue (0: none).");
	buf_printf(b, "postie_queue_oldest_message_age_seconds %lld\n",
	    oldest > 0 && now > oldest ? now - oldest : 0);
	put_metric(b, kept_names[K_SENT], "counter",
	    "Messages delivered to every recipient.");
	buf_printf(b, "%s %lld\n", kept_names[K_SENT], kept[K_SENT]);
	put_metric(b, kept_names[K_DEFERRED], "counter",
	    "Delivery attempts that left a message waiting in the queue.");
	buf_printf(b, "%s %lld\n", kept_names[K_DEFERRED], kept[K_DEFERRED]);
	put_metric(b, kept_names[K_FAILED], "counter",
	    "Messages refused for good or expired.");
	buf_printf(b, "%s %lld\n", kept_names[K_FAILED], kept[K_FAILED]);
	put_metric(b, kept_names[K_NOTICES], "counter",
	    "Failure and delay notices written.");
	buf_printf(b, "%s %lld\n", kept_names[K_NOTICES], kept[K_NOTICES]);
	put_metric(b, kept_names[K_LAST_RUN], "gauge",
	    "When the last queue run ended (0: never).");
	buf_printf(b, "%s %lld\n", kept_names[K_LAST_RUN], kept[K_LAST_RUN]);
	put_metric(b, kept_names[K_LAST_OK], "gauge",
	    "1 when the last queue run could read every queue directory.");
	buf_printf(b, "%s %lld\n", kept_names[K_LAST_OK], kept[K_LAST_OK]);
	put_metric(b, "postie_relays_down", "gauge",
	    "Relays marked down now (fallback_accounts, host_down_time).");
	buf_printf(b, "postie_relays_down %zu\n", down);
}

static int
replace_file(const char *path, const struct buf *b, struct err *e)
{
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
	    O_NOFOLLOW, 0644);
	int rc = 0;

	if (fd == -1)
		rc = err_sys(e, EX_CANTCREAT, "metrics_file: cannot create %s",
		    tmp);
	else if (write_all(fd, b->data, b->len) == -1 || fsync(fd) == -1) {
		rc = err_sys(e, EX_CANTCREAT, "metrics_file: cannot write %s",
		    tmp);
		close(fd);
	} else if (close(fd) == -1 || rename(tmp, path) == -1)
		rc = err_sys(e, EX_CANTCREAT, "metrics_file: cannot replace "
		    "%s", path);
	if (rc == -1)
		unlink(tmp);
	free(tmp);
	return rc;
}

int
metrics_write(const char *path, const struct strlist *queue_dirs,
    const struct metrics_update *u, struct err *e)
{
	char *lock = xasprintf("%s.lock", path);
	long long kept[K_COUNT];
	struct buf b;
	int lfd, rc;

	lfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (lfd == -1) {
		rc = err_sys(e, EX_CANTCREAT, "metrics_file: cannot open %s",
		    lock);
		free(lock);
		return rc;
	}
	while (flock(lfd, LOCK_EX) == -1 && errno == EINTR)
		;
	read_kept(path, kept);
	kept[K_SENT] += (long long)u->sent;
	kept[K_DEFERRED] += (long long)u->deferred;
	kept[K_FAILED] += (long long)u->failed;
	kept[K_NOTICES] += (long long)u->notices;
	if (u->queue_run) {
		kept[K_LAST_RUN] = u->now;
		kept[K_LAST_OK] = u->queue_run_ok;
	}
	buf_init(&b);
	format(&b, queue_dirs, kept, u->now);
	rc = replace_file(path, &b, e);
	buf_free(&b);
	close(lfd);
	free(lock);
	return rc;
}
