/*
 * log.h — what postie tells afterwards: one line per message and outcome to
 * syslog (LOG_MAIL) when the account says syslog, and to its logfile; and
 * the SMTP dialogue for -v (stderr) and -X FILE, with credentials masked.
 *
 * Masking lives in log_mask_line alone: AUTH initial responses and every
 * client line sent in answer to a 334 challenge become "<hidden>".
 */
#ifndef POSTIE_LOG_H
#define POSTIE_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "config.h"
#include "err.h"
#include "util.h"

/* A transcript sink; pass log_trace and it to conn_set_trace. */
struct log_trace {
	FILE	*verbose;		/* stderr for -v, or NULL */
	FILE	*transcript;		/* -X file, or NULL */
	bool	 mask_next;		/* the next client line answers a 334 */
};
int	log_trace_open(struct log_trace *t, bool verbose, const char *xfile,
	    struct err *e);
void	log_trace(void *arg, char direction, const char *line, size_t len);
void	log_trace_close(struct log_trace *t);

/* Append the safe form of one dialogue line to out: "AUTH PLAIN <hidden>",
 * "<hidden>" after a 334; *mask_next is the state across lines. */
void	log_mask_line(char direction, const char *line, size_t len,
	    bool *mask_next, struct buf *out);

/* One outcome line: time, queue id, from, to, size, server, TLS, the
 * server's final reply, outcome ("sent", "deferred", "bounced"), and
 * what DKIM did when the account signs. */
struct log_entry {
	const char *queue_id;		/* NULL: not queued */
	const char *from;
	const char *to;			/* comma-separated */
	long long size;
	const char *server;
	const char *tls;
	const char *reply;
	const char *outcome;
	const char *dkim;		/* "signed d=... s=...", "unsigned: why";
					 * NULL: no dkim_key, no field */
	const char *dane;		/* mx_tls dane: "matched TLSA 3 1 1 ...",
					 * or why DANE did not apply; NULL: no
					 * field */
};
void	log_outcome(const struct account *a, const struct log_entry *le);

#endif
