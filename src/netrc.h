/*
 * netrc.h — the password for a host and user from a .netrc file.
 */
#ifndef POSTIE_NETRC_H
#define POSTIE_NETRC_H

#include <stddef.h>

/* Look up host (and user when non-NULL; else the first login for host,
 * whose login is then stored in *login_out when non-NULL) in the netrc text
 * (len bytes).  "default" entries match any host.  Returns a newly allocated
 * password or NULL when there is none. */
char	*netrc_lookup(const char *text, size_t len, const char *host,
	    const char *user, char **login_out);

/* Same, reading $HOME/.netrc (NULL when missing or unreadable). */
char	*netrc_password(const char *host, const char *user);

#endif
