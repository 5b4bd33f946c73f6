/*
 * config_keys.h — internal to config.c: the keys of a configuration file,
 * each with the account field it sets and the parser of its value.
 *
 * config.c reads the lines, the "defaults" and "account" blocks and the
 * inheritance between accounts; this module knows what "port 587",
 * "tls_fingerprint AB:CD:..." or "queue_lifetime 3d" mean.  An account is
 * built in a struct acc_state whose mask records the fields it set itself
 * or took from a parent (msmtp's "mask"), one bit per enum field, so that
 * a child copies from a parent only what the parent really set.
 */
#ifndef POSTIE_CONFIG_KEYS_H
#define POSTIE_CONFIG_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "err.h"
#include "util.h"

/* Every setting an account can hold; one mask bit each. */
enum field {
	F_HOST, F_PORT, F_FROM, F_DOMAIN, F_AUTH, F_USER, F_PASSWORD,
	F_PASSWORDEVAL, F_TLS, F_TLS_STARTTLS, F_TLS_TRUST_FILE,
	F_TLS_FINGERPRINT, F_TLS_CERT_FILE, F_TLS_KEY_FILE, F_TLS_CERTCHECK,
	F_TLS_MIN_VERSION, F_TLS_HOST_OVERRIDE, F_DSN_NOTIFY, F_DSN_RETURN,
	F_ALIASES, F_LOGFILE, F_SYSLOG, F_TIMEOUT, F_SET_FROM_HEADER,
	F_SET_DATE_HEADER, F_SET_MSGID_HEADER, F_REMOVE_BCC_HEADERS,
	F_UNDISCLOSED_RECIPIENTS, F_ALLOW_FROM_OVERRIDE, F_SOURCE_IP, F_QUEUE,
	F_QUEUE_DIR, F_QUEUE_LIFETIME, F_MX_TLS, F_MX_PARALLEL, F_MAX_SIZE,
	F_NOTIFY_FAILURE, F_NOTIFY_DELAY, F_NOTIFY_FROM, F_NOTIFY_LIMIT,
	F_NOTIFY_COMMAND, F_METRICS_FILE,
	F_DKIM_KEY, F_DKIM_SELECTOR, F_DKIM_DOMAIN, F_DKIM_HEADERS,
	F_FALLBACK_ACCOUNTS, F_HOST_DOWN_TIME,
	F_OAUTH2_PROVIDER, F_OAUTH2_TOKEN_URL, F_OAUTH2_DEVICE_URL,
	F_OAUTH2_AUTH_URL, F_OAUTH2_CLIENT_ID, F_OAUTH2_CLIENT_SECRET,
	F_OAUTH2_CLIENT_SECRET_EVAL, F_OAUTH2_SCOPE, F_OAUTH2_REFRESH_TOKEN,
	F_OAUTH2_REFRESH_TOKEN_EVAL, F_OAUTH2_TRUST_FILE,
	F_USER_CONFIG,
	F_PROXY_HOST, F_PROXY_PORT, F_SOCKET, F_TLS_PRIORITIES,
	F_FROM_FULL_NAME,
	F_TLS_CRL_FILE,
	F_NONE			/* keys that set nothing */
};

/* One bit per enum field: there are more fields than one uint64_t
 * holds, and the array grows with the enum. */
struct field_mask {
	uint64_t w[(F_NONE + 63) / 64];
};

static inline void
field_mask_set(struct field_mask *m, enum field f)
{
	m->w[f / 64] |= UINT64_C(1) << (f % 64);
}

static inline bool
field_mask_has(const struct field_mask *m, enum field f)
{
	return (m->w[f / 64] & (UINT64_C(1) << (f % 64))) != 0;
}

static inline void
field_mask_or(struct field_mask *dst, const struct field_mask *src)
{
	for (size_t i = 0; i < sizeof(dst->w) / sizeof(dst->w[0]); i++)
		dst->w[i] |= src->w[i];
}

/* An account being built. */
struct acc_state {
	struct account	 a;
	struct field_mask mask;		/* fields set here or by a parent */
	char		*maildomain;	/* msmtp's old maildomain key */
};

struct config_key;
typedef int (*config_setter)(struct acc_state *, const struct config_key *,
    const char *, struct err *);

/* One key of the file. */
struct config_key {
	const char	*name;
	enum field	 field;		/* F_NONE: sets no field of its own */
	config_setter	 set;
};

/* The key called name (exact, case-sensitive, as msmtp), or NULL when
 * there is none.  The result points into a static table. */
const struct config_key *config_key_find(const char *name);

/*
 * Set key k to the value v (quotes already removed; "" for none) in s,
 * and mark its field in s->mask.  Paths have "~" expanded; "" clears a
 * string field.  Errors: EX_CONFIG naming the key and the value (not on
 * or off, a bad port, a fingerprint that is not SHA-256, ...); the file
 * and line are the caller's to add.
 */
int	config_key_set(const struct config_key *k, struct acc_state *s,
	    const char *v, struct err *e);

/* Append to out the account's settings, one "key value" line each in
 * the order of the key table (the first name of each field); unset ones as
 * "# key: not set" comments.  The password is printed as "*". */
void	config_account_print(const struct account *a, struct buf *out);

/* postie's defaults for an account where msmtp has none or differs (see
 * config.h): a is overwritten. */
void	config_account_init(struct account *a);

/* Free every string of a (its fields, name and file) and zero it. */
void	config_account_clear(struct account *a);

/* Copy into dst the fields of src whose bits are set in mask; strings are
 * duplicated (dst's old ones freed). */
void	config_copy_fields(struct account *dst, const struct account *src,
	    const struct field_mask *mask);

/* The user's home: $HOME when it is absolute, else the password
 * database's; NULL when neither says.  Points into the environment or
 * getpwuid's static storage: use it before the next getpw* call. */
const char *config_home_dir(void);

#endif
