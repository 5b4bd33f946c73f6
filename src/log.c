/*
 * log.c — the SMTP dialogue for -v and -X, and one outcome line per
 * message for syslog and the account's logfile.
 *
 * Credentials are masked here and only here (log_mask_line): a trace line
 * is masked before it is formatted, so no path writes it unmasked first.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define LOG_HIDDEN	"<hidden>"

/* ---- the dialogue ---- */

int
log_trace_open(struct log_trace *t, bool verbose, const char *xfile,
    struct err *e)
{
	memset(t, 0, sizeof(*t));
	t->verbose = verbose ? stderr : NULL;
	if (xfile != NULL && (t->transcript = fopen(xfile, "a")) == NULL)
		return err_sys(e, EX_CANTCREAT, "cannot open transcript '%s'",
		    xfile);
	if (t->transcript != NULL) {
		/* Runs append to one file: mark where each begins, and when. */
		char when[64] = "";
		time_t now = time(NULL);
		struct tm tm;

		if (gmtime_r(&now, &tm) != NULL)
			strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
		fprintf(t->transcript, "=== postie session %s, pid %ld ===\n",
		    when, (long)getpid());
		fflush(t->transcript);
	}
	return 0;
}

void
log_trace_close(struct log_trace *t)
{
	if (t->transcript != NULL)
		fclose(t->transcript);
	t->transcript = NULL;
	t->verbose = NULL;
}

/* "AUTH <mechanism> <initial-response>": length of "AUTH <mechanism>"
 * when a response follows, else 0. */
static size_t
auth_ir_prefix(const char *line, size_t len)
{
	size_t i = 5;

	if (len < 5 || !ascii_eqn_ci(line, "AUTH ", 5))
		return 0;
	while (i < len && line[i] == ' ')
		i++;
	while (i < len && line[i] != ' ')
		i++;
	return i < len ? i : 0;
}

/* A 334 reply is a SASL challenge: the client's next line answers it
 * (RFC 4954 §4). */
static bool
is_challenge(const char *line, size_t len)
{
	return len >= 3 && memcmp(line, "334", 3) == 0 &&
	    (len == 3 || line[3] == ' ' || line[3] == '-');
}

void
log_mask_line(char direction, const char *line, size_t len,
    bool *mask_next, struct buf *out)
{
	size_t keep;

	if (direction == '*') {		/* a note, not traffic: no state */
		buf_add(out, line, len);
		return;
	}
	if (direction != '>') {
		*mask_next = is_challenge(line, len);
		buf_add(out, line, len);
		return;
	}
	if (*mask_next) {
		*mask_next = false;
		buf_adds(out, LOG_HIDDEN);
		return;
	}
	if ((keep = auth_ir_prefix(line, len)) > 0) {
		buf_add(out, line, keep);
		buf_adds(out, " " LOG_HIDDEN);
		return;
	}
	buf_add(out, line, len);
}

void
log_trace(void *arg, char direction, const char *line, size_t len)
{
	struct log_trace *t = arg;
	struct buf b;

	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	buf_init(&b);
	buf_adds(&b, direction == '>' ? "-> " : direction == '*' ? "** " :
	    "<- ");
	log_mask_line(direction, line, len, &t->mask_next, &b);
	/* -v writes to a terminal: no control character from a hostile
	 * server gets there (ESC sequences, CR, BS), as in --serverinfo. */
	for (size_t i = 0; i < b.len; i++)
		if (((unsigned char)b.data[i] < 0x20 && b.data[i] != '\t') ||
		    b.data[i] == 0x7f)
			b.data[i] = '?';
	buf_addc(&b, '\n');
	/* One write() per line, past stdio: with mx_parallel several
	 * sessions trace to the same stderr and file at once, and a line
	 * must never be cut by another's (the file is opened for append);
	 * written at once, it is also complete if we are killed. */
	if (t->verbose != NULL)
		(void)write_all(fileno(t->verbose), b.data, b.len);
	if (t->transcript != NULL)
		(void)write_all(fileno(t->transcript), b.data, b.len);
	buf_free(&b);
}

/* ---- the outcome line ---- */

static const struct {
	const char *name;
	int	 facility;
} facilities[] = {
	{ "LOG_MAIL", LOG_MAIL }, { "LOG_USER", LOG_USER },
	{ "LOG_DAEMON", LOG_DAEMON },
	{ "LOG_LOCAL0", LOG_LOCAL0 }, { "LOG_LOCAL1", LOG_LOCAL1 },
	{ "LOG_LOCAL2", LOG_LOCAL2 }, { "LOG_LOCAL3", LOG_LOCAL3 },
	{ "LOG_LOCAL4", LOG_LOCAL4 }, { "LOG_LOCAL5", LOG_LOCAL5 },
	{ "LOG_LOCAL6", LOG_LOCAL6 }, { "LOG_LOCAL7", LOG_LOCAL7 },
};

/* msmtp's "syslog on" or a facility name, with or without "LOG_";
 * anything else is the default, LOG_MAIL. */
static int
log_facility(const char *name)
{
	for (size_t i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++)
		if (ascii_eq_ci(name, facilities[i].name) ||
		    ascii_eq_ci(name, facilities[i].name + 4))
			return facilities[i].facility;
	return LOG_MAIL;
}

/* Append s with control characters and '"' replaced, so that a hostile
 * reply cannot forge log lines or end the quoted field early. */
static void
add_safe(struct buf *b, const char *s)
{
	if (s == NULL || *s == '\0') {
		buf_addc(b, '-');
		return;
	}
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		buf_addc(b, c == '\n' ? ' ' : c == '"' ? '\'' :
		    c < 0x20 || c == 0x7f ? '?' : (char)c);
	}
}

/* "to=<a@x>,<b@y>" from the comma-separated list. */
static void
add_rcpts(struct buf *b, const char *to)
{
	const char *p = to != NULL ? to : "";

	do {
		size_t n = strcspn(p, ",");
		char *one = xstrndup(p, n);

		buf_addc(b, '<');
		if (n > 0)
			add_safe(b, one);
		buf_addc(b, '>');
		free(one);
		p += n;
		if (*p == ',')
			buf_addc(b, ',');
	} while (*p++ != '\0');
}

/* Everything after "postie[pid]: ", the part syslog also gets. */
static void
format_outcome(struct buf *b, const struct log_entry *le)
{
	buf_adds(b, "id=");
	add_safe(b, le->queue_id);
	buf_adds(b, " from=<");
	if (le->from != NULL && *le->from != '\0')	/* else the null sender */
		add_safe(b, le->from);
	buf_adds(b, "> to=");
	add_rcpts(b, le->to);
	buf_printf(b, " size=%lld server=", le->size);
	add_safe(b, le->server);
	buf_adds(b, " tls=");
	add_safe(b, le->tls);
	buf_adds(b, " reply=\"");
	if (le->reply != NULL)
		add_safe(b, le->reply);
	buf_adds(b, "\" status=");
	add_safe(b, le->outcome);
	if (le->dkim != NULL) {
		buf_adds(b, " dkim=\"");
		add_safe(b, le->dkim);
		buf_addc(b, '"');
	}
	if (le->dane != NULL) {
		buf_adds(b, " dane=\"");
		add_safe(b, le->dane);
		buf_addc(b, '"');
	}
}

static int
outcome_priority(const char *outcome)
{
	if (outcome != NULL && strcmp(outcome, "sent") == 0)
		return LOG_INFO;
	if (outcome != NULL && strcmp(outcome, "deferred") == 0)
		return LOG_WARNING;
	return LOG_ERR;
}

static void
log_to_file(const char *path, const char *text)
{
	char stamp[64];
	time_t now = time(NULL);
	struct tm tm;
	FILE *f;

	if (localtime_r(&now, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%b %e %H:%M:%S", &tm) == 0)
		strcpy(stamp, "-");
	f = strcmp(path, "-") == 0 ? stdout : fopen(path, "a");
	if (f == NULL)
		return;		/* logging never fails a delivery */
	fprintf(f, "%s %s postie[%ld]: %s\n", stamp, host_fqdn(),
	    (long)getpid(), text);
	if (f == stdout)
		fflush(f);
	else
		fclose(f);
}

void
log_outcome(const struct account *a, const struct log_entry *le)
{
	struct buf b;

	if (a == NULL || (a->syslog == NULL && a->logfile == NULL))
		return;
	buf_init(&b);
	format_outcome(&b, le);
	if (a->syslog != NULL && !ascii_eq_ci(a->syslog, "off")) {
		openlog("postie", LOG_PID, log_facility(a->syslog));
		syslog(outcome_priority(le->outcome), "%s", b.data);
		closelog();
	}
	if (a->logfile != NULL)
		log_to_file(a->logfile, b.data);
	buf_free(&b);
}
