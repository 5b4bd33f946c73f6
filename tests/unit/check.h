/*
 * check.h — the unit-test harness: a test is a function; CHECK records a
 * failure with "got X, want Y" and goes on; main runs the table and prints
 * "N passed, N failed".  Exit status 0 only when nothing failed (automake's
 * test driver reads it).  Run with names as arguments, a program runs only
 * those cases (2 for a name it does not have).
 *
 *	static void reply_multiline_keeps_enhanced_code(void) { ... }
 *	static const struct test tests[] = {
 *		TEST(reply_multiline_keeps_enhanced_code), ...
 *	};
 *	CHECK_MAIN(tests)
 */
#ifndef POSTIE_CHECK_H
#define POSTIE_CHECK_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct test {
	const char *name;
	void	(*fn)(void);
};
#define TEST(f) { #f, f }

static int check_failures;	/* failures in the running test */

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		check_failures++;					\
		fprintf(stderr, "  %s:%d: CHECK(%s) failed\n",		\
		    __FILE__, __LINE__, #cond);				\
	}								\
} while (0)

#define CHECK_INT(got, want) do {					\
	long long g_ = (long long)(got), w_ = (long long)(want);	\
	if (g_ != w_) {							\
		check_failures++;					\
		fprintf(stderr, "  %s:%d: %s: got %lld, want %lld\n",	\
		    __FILE__, __LINE__, #got, g_, w_);			\
	}								\
} while (0)

#define CHECK_STR(got, want) do {					\
	const char *g_ = (got), *w_ = (want);				\
	if ((g_ == NULL) != (w_ == NULL) ||				\
	    (g_ != NULL && strcmp(g_, w_) != 0)) {			\
		check_failures++;					\
		fprintf(stderr, "  %s:%d: %s: got \"%s\", want \"%s\"\n", \
		    __FILE__, __LINE__, #got, g_ ? g_ : "(null)",	\
		    w_ ? w_ : "(null)");				\
	}								\
} while (0)

/* Compare lengths-and-bytes (data may hold NUL). */
#define CHECK_MEM(got, glen, want, wlen) do {				\
	size_t gl_ = (glen), wl_ = (wlen);				\
	if (gl_ != wl_ || memcmp((got), (want), gl_) != 0) {		\
		check_failures++;					\
		fprintf(stderr, "  %s:%d: %s: got %zu bytes \"%.*s\", "	\
		    "want %zu bytes \"%.*s\"\n", __FILE__, __LINE__,	\
		    #got, gl_, (int)gl_, (const char *)(got), wl_,	\
		    (int)wl_, (const char *)(want));			\
	}								\
} while (0)

/* Run the cases named in names[0..nnames), or all of them when there
 * is none (make check); a name that is not in the table is an error. */
static inline int
check_run(const struct test *t, size_t n, char **names, int nnames)
{
	int passed = 0, failed = 0;

	for (int j = 0; j < nnames; j++) {
		size_t i = 0;

		while (i < n && strcmp(t[i].name, names[j]) != 0)
			i++;
		if (i == n) {
			fprintf(stderr, "no test case named %s\n", names[j]);
			return 2;
		}
	}
	for (size_t i = 0; i < n; i++) {
		bool wanted = nnames == 0;

		for (int j = 0; j < nnames && !wanted; j++)
			wanted = strcmp(t[i].name, names[j]) == 0;
		if (!wanted)
			continue;
		check_failures = 0;
		t[i].fn();
		if (check_failures == 0) {
			passed++;
			printf("ok %zu - %s\n", i + 1, t[i].name);
		} else {
			failed++;
			printf("FAIL %zu - %s\n", i + 1, t[i].name);
		}
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed == 0 ? 0 : 1;
}

/* main: "prog" runs every case, "prog NAME..." only those. */
#define CHECK_MAIN(table)						\
	int main(int argc, char **argv)					\
	{								\
		return check_run(table, sizeof(table) / sizeof(table[0]), \
		    argv + 1, argc - 1);				\
	}

#endif
