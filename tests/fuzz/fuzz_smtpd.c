/*
 * fuzz_smtpd.c — libFuzzer target for smtpd_parse(), the -bs command
 * parser.
 *
 * The input is split at '\n' (a trailing '\r' dropped, as the session
 * does) and each line parsed from an exact-size copy, so ASan sees any
 * read past its length.  Invariants checked: a refusal is a whole reply
 * line ("CODE X.Y.Z text", the code the return value, 5xx, printable
 * ASCII), and an accepted command's strings are NUL-terminated
 * within their bounds, the path under SMTPD_PATH_MAX, the NOTIFY value
 * one of the normalised forms.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtpd.h"

static void
check_refusal(int rc, const char *why)
{
	size_t n = strlen(why);

	if (rc < 500 || rc > 599 || n < 10 || why[0] - '0' != rc / 100 ||
	    why[3] != ' ' || why[4] != '5' || why[5] != '.')
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)why[i] < 0x20 ||
		    (unsigned char)why[i] >= 0x7f)
			abort();
}

static void
check_cmd(const struct smtpd_cmd *c)
{
	if (strnlen(c->path, sizeof(c->path)) > SMTPD_PATH_MAX ||
	    strnlen(c->domain, sizeof(c->domain)) > SMTPD_PATH_MAX ||
	    strnlen(c->envid, sizeof(c->envid)) > SMTPD_ENVID_MAX ||
	    strnlen(c->ret, sizeof(c->ret)) >= sizeof(c->ret) ||
	    strnlen(c->notify, sizeof(c->notify)) >= sizeof(c->notify))
		abort();
	if (c->notify[0] != '\0' && strcmp(c->notify, "NEVER") != 0 &&
	    strspn(c->notify, "SUCCESFAILURDY,") != strlen(c->notify))
		abort();
	for (const char *p = c->envid; *p != '\0'; p++)
		if (*p < 0x20 || *p > 0x7e)
			abort();
	if (c->verb != SMTPD_MAIL && c->verb != SMTPD_RCPT && c->path[0])
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *nl;
	char why[SMTPD_REPLY_MAX];
	struct smtpd_cmd c;
	size_t len;
	int rc;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		len = (size_t)((nl ? nl : end) - p);
		char *line = malloc(len ? len : 1);
		memcpy(line, p, len);
		if (len > 0 && line[len - 1] == '\r')
			len--;
		rc = smtpd_parse(line, len, &c, why, sizeof(why));
		free(line);
		if (rc != 0)
			check_refusal(rc, why);
		else
			check_cmd(&c);
		p = nl ? nl + 1 : end;
	}
	return 0;
}
