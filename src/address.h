/*
 * address.h — RFC 5322 address lists and RFC 5321 envelope paths.
 *
 * address_parse_list reads what a user or a header writes
 *   Jane Doe <jane@example.com>, "Doe, J." <j@x>, root (Cron Daemon), grp: a@x, b@y;
 * and returns the bare addr-specs ("jane@example.com", "j@x", "root", "a@x",
 * "b@y").  Comments and display names are skipped; group syntax is flattened;
 * an empty group ("undisclosed-recipients:;") yields nothing.  Bounded: works
 * on (text, len), never beyond len.
 *
 * address_check_path refuses what must never reach an SMTP command: CR, LF,
 * NUL, control characters, '<' '>' and anything else RFC 5321 does not allow
 * in a Mailbox (quoted local parts are allowed), over-long parts (local part
 * 64, domain 255, path 256 octets: RFC 5321 §4.5.3.1).  UTF-8 is allowed
 * (SMTPUTF8 decides later); malformed UTF-8 is not.
 */
#ifndef POSTIE_ADDRESS_H
#define POSTIE_ADDRESS_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "util.h"

#define ADDR_LOCAL_MAX	64	/* RFC 5321 §4.5.3.1.1 */
#define ADDR_DOMAIN_MAX	255	/* RFC 5321 §4.5.3.1.2 */
#define ADDR_PATH_MAX	256	/* RFC 5321 §4.5.3.1.3 */

/* Append each addr-spec found in text[0..len) to out (owned copies).
 * Errors: EX_DATAERR naming the problem (unbalanced quote, '<' without '>',
 * CR/LF/NUL). */
int	address_parse_list(const char *text, size_t len, struct strlist *out,
	    struct err *e);

/* Check one bare address (no angle brackets) for use in MAIL FROM / RCPT TO.
 * The empty string is valid only when allow_null (the null sender).
 * Errors: EX_DATAERR "invalid address 'x': reason". */
int	address_check_path(const char *addr, bool allow_null, struct err *e);

/* The domain part (after the last '@' outside quotes), or NULL. */
const char *address_domain(const char *addr);

/* A new string: addr with "@domain" appended when it has no '@'. */
char	*address_qualify(const char *addr, const char *domain);

/* Rewrite an address-list field value (raw, may hold "\n"+WSP folding):
 * "@domain" is appended to every addr-spec without '@'; display names,
 * comments and folding are kept.  "root (Cron Daemon)" becomes
 * "root@example.com (Cron Daemon)".  A new string, or NULL when the text
 * does not parse as an address list (the caller keeps it unchanged). */
char	*address_qualify_list(const char *text, size_t len, const char *domain);

/* True when any octet is >= 0x80 (SMTPUTF8 needed, or IDNA for domains). */
bool	address_is_8bit(const char *addr);

/* A new string with the domain converted to A-labels (libidn2, IDNA2008 +
 * UTS#46 non-transitional); the local part untouched.  Errors: EX_DATAERR
 * for a domain IDNA refuses. */
int	address_to_alabel(const char *addr, char **out, struct err *e);

#endif
