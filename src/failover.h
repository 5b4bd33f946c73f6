/*
 * failover.h — relay failover (design §5.5): when an account's smarthost
 * cannot take a message for a temporary reason found before any recipient
 * was accepted (delivery.h's relay_state), the next account of its
 * fallback_accounts is tried at once, with its own host, port, TLS and
 * credentials; the message is sent once.  A permanent refusal (5xx) never
 * moves on, and neither does a failure after a recipient was accepted.
 *
 * A relay that could not be reached (no connection, a timeout) is
 * remembered as down for the primary account's host_down_time, in
 * QUEUE_DIR/relays-down ("EPOCH HOST:PORT" lines, the time it may be
 * tried again), so that later submissions and queue runs go straight to
 * the next account; when every relay of the chain is marked down the
 * message is not tried at all (it waits in the queue).  A relay that
 * answers again is taken off the list.
 */
#ifndef POSTIE_FAILOVER_H
#define POSTIE_FAILOVER_H

#include <stdio.h>

#include "config.h"
#include "delivery.h"
#include "err.h"

#define FAILOVER_CHAIN_MAX	8	/* the account and its fallbacks */

/* The password of account a for this run (the caller may cache): *pw is
 * NULL when a needs none.  -1 with e as config_password. */
typedef int (*failover_password_fn)(void *arg, const struct account *a,
    const char **pw, struct err *e);

struct failover_opts {
	const struct config *cfg;	/* where fallback_accounts are found */
	const char *state_dir;		/* the primary's queue directory */
	failover_password_fn password;
	void	*password_arg;
	FILE	*verbose;		/* -v: what is skipped and why; or NULL */
};

/*
 * Deliver m to env along a's relay, then its fallback_accounts as said
 * above.  rep is the report of the last account tried; *used is that
 * account.  When every relay is marked down, nothing is tried: every
 * recipient is OUT_TEMPFAIL with that reason.  -1 with e as delivery_run
 * (or a password that cannot be had for the first account tried).
 */
int	failover_run(const struct failover_opts *fo, const struct account *a,
	    struct message *m, const struct envelope *env,
	    const struct delivery_opts *o, struct report *rep,
	    const struct account **used, struct err *e);

/* The chain of a: a itself, then its fallback_accounts found in cfg, at
 * most FAILOVER_CHAIN_MAX; returns the count. */
size_t	failover_chain(const struct config *cfg, const struct account *a,
	    const struct account **chain);

/* When HOST:PORT of account a is marked down in state_dir: the time it
 * may be tried again, else 0. */
long long failover_down_until(const char *state_dir, const struct account *a,
	    long long now);

/* How many relays state_dir's relays-down file marks down at now. */
size_t	failover_down_count(const char *state_dir, long long now);

#endif
