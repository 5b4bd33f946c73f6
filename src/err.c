/* err.c — see err.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

int
err_setv(struct err *e, int ex, const char *fmt, va_list ap)
{
	if (e == NULL)
		return -1;
	e->ex = ex;
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	/* One line: a message never carries a newline from hostile input. */
	for (char *p = e->msg; *p != '\0'; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	return -1;
}

int
err_set(struct err *e, int ex, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_setv(e, ex, fmt, ap);
	va_end(ap);
	return -1;
}

int
err_sys(struct err *e, int ex, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	size_t len;

	if (e == NULL)
		return -1;
	va_start(ap, fmt);
	err_setv(e, ex, fmt, ap);
	va_end(ap);
	len = strlen(e->msg);
	snprintf(e->msg + len, sizeof(e->msg) - len, ": %s", strerror(saved));
	return -1;
}

int
err_prefix(struct err *e, const char *fmt, ...)
{
	char prefix[ERR_MSG_MAX], old[ERR_MSG_MAX];
	va_list ap;

	if (e == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof(old));
	snprintf(e->msg, sizeof(e->msg), "%s: %s", prefix, old);
	return -1;
}

int
err_append(struct err *e, const char *fmt, ...)
{
	va_list ap;
	size_t len;

	if (e == NULL)
		return -1;
	len = strlen(e->msg);
	va_start(ap, fmt);
	vsnprintf(e->msg + len, sizeof(e->msg) - len, fmt, ap);
	va_end(ap);
	return -1;
}

void
err_clear(struct err *e)
{
	e->ex = 0;
	e->msg[0] = '\0';
}
