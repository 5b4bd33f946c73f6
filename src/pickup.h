/*
 * pickup.h — the system side of the system mode (sysmode.h): "postie -q"
 * run as the system account first takes the drop directory's entries,
 * as Postfix's pickup does, then runs its queue as usual.
 */
#ifndef POSTIE_PICKUP_H
#define POSTIE_PICKUP_H

#include <stddef.h>

#include "err.h"
#include "util.h"

struct cli;

struct pickup_stats {
	size_t	 taken;		/* entries submitted and removed */
	size_t	 bad;		/* entries refused and moved aside */
	size_t	 left;		/* entries left for the next run */
	struct strlist problems;	/* one line each: which entry, why */
};

/*
 * First the system file's user_config is published for the users
 * (SYSMODE_USERS_OFF, sysmode.h).  Then each entry of SYSMODE_DROP_DIR in turn, under its flock (concurrent
 * runs never submit one entry twice): drop_open checks it; a good one is
 * submitted as one -bs transaction of the system configuration would be
 * (cli's -C and --account apply), with the submitter's login name for
 * the default sender: sent, queued in the account's queue, or refused
 * (kept in failed/, the sender noticed), and then removed.  A bad entry,
 * or one whose message is refused as bad input, is moved into
 * SYSMODE_BAD_DIR and named once in st->problems; one that meets a
 * configuration or system error is left for the next run.  Helper files
 * abandoned for an hour ("t" names) are removed.  Run only as the
 * account (sysmode_is_account).  -1 with e when the drop directory
 * cannot be read or the configuration does not load; st is always
 * initialised (pickup_stats_free).
 */
int	pickup_run(const struct cli *cli, struct pickup_stats *st,
	    struct err *e);

void	pickup_stats_free(struct pickup_stats *st);

#endif
