/*
 * metrics.h — the queue as monitoring reads it: a Prometheus text-format
 * file (metrics_file) for node_exporter's textfile collector, rewritten
 * after each submission and each queue run.
 *
 * What it holds:
 *   postie_queue_messages{state="deferred"|"failed"}   gauge
 *   postie_queue_oldest_message_age_seconds            gauge (deferred)
 *   postie_messages_sent_total, _deferred_total, _failed_total,
 *   postie_notices_sent_total                          counters
 *   postie_queue_last_run_timestamp_seconds,
 *   postie_queue_last_run_success                      gauges
 *   postie_relays_down                                 gauge (failover.h)
 * Counters and the last run's facts are read back from the file before it
 * is replaced, so they survive between runs (a lost or unreadable file
 * starts them again from 0, which Prometheus reads as a counter reset).
 * The file is replaced by rename under an flock on PATH.lock, so readers
 * never see half a file and two postie processes never lose a count.
 */
#ifndef POSTIE_METRICS_H
#define POSTIE_METRICS_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "util.h"

/* What happened since the last update. */
struct metrics_update {
	size_t	 sent, deferred, failed, notices;	/* added to counters */
	bool	 queue_run;		/* this was a queue run ... */
	bool	 queue_run_ok;		/* ... and it could read every directory */
	long long now;			/* epoch seconds */
};

/* Rewrite path with the gauges of queue_dirs (each directory's entries and
 * its failed/) and the counters advanced by u.  Errors: EX_CANTCREAT or
 * EX_IOERR naming the file. */
int	metrics_write(const char *path, const struct strlist *queue_dirs,
	    const struct metrics_update *u, struct err *e);

#endif
