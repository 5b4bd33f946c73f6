/* test_aliases.c — unit tests for src/aliases.c. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aliases.h"
#include "check.h"
#include "util.h"

static const char aliases_text[] =
    "# local aliases\n"
    "root: ops@example.com, admin@example.com\n"
    "postmaster:\troot@example.net\n"
    "team: \"Doe, Jane\" <jane@example.com>,\n"
    "    bob@example.com,\r\n"
    "  # a comment inside the entry\n"
    "\tcarol@example.com\n"
    "\n"
    "Www-Data: webmaster@example.com,\n"
    "dup: first@example.com\n"
    "dup: second@example.com\n";

/* Expand addr and return the result joined with spaces. */
static char *
expand(const struct aliases *a, const char *addr)
{
	struct strlist out;
	struct buf b;

	strlist_init(&out);
	buf_init(&b);
	aliases_expand(a, addr, &out);
	for (size_t i = 0; i < out.n; i++)
		buf_printf(&b, "%s%s", i ? " " : "", out.v[i]);
	strlist_free(&out);
	return buf_steal(&b);
}

struct expand_case {
	const char *addr;
	const char *want;
};

static void
check_cases(const struct aliases *a, const struct expand_case *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *got = expand(a, c[i].addr);

		if (strcmp(got, c[i].want) != 0) {
			fprintf(stderr, "  %s: got \"%s\", want \"%s\"\n",
			    c[i].addr, got, c[i].want);
			check_failures++;
		}
		free(got);
	}
}

static void
expansion_is_one_level_and_ignores_case(void)
{
	static const struct expand_case cases[] = {
		{ "root", "ops@example.com admin@example.com" },
		{ "ROOT", "ops@example.com admin@example.com" },
		{ "postmaster", "root@example.net" },
		{ "team", "jane@example.com bob@example.com carol@example.com" },
		{ "www-data", "webmaster@example.com" },
		{ "dup", "second@example.com" },	/* the later entry wins */
		{ "nobody", "nobody" },			/* no default: unchanged */
		{ "root@example.com", "root@example.com" },
	};
	struct aliases *a;
	struct err e;

	err_clear(&e);
	CHECK_INT(aliases_parse(&a, aliases_text, strlen(aliases_text),
	    "aliases", &e), 0);
	CHECK_STR(e.msg, "");
	check_cases(a, cases, sizeof(cases) / sizeof(cases[0]));
	aliases_free(a);
}

static void
default_catches_unlisted_local_names_only(void)
{
	static const char text[] =
	    "root: ops@example.com\ndefault: catchall@example.com\n";
	static const struct expand_case cases[] = {
		{ "root", "ops@example.com" },
		{ "cron", "catchall@example.com" },
		{ "Daemon", "catchall@example.com" },
		{ "user@example.org", "user@example.org" },
	};
	struct aliases *a;
	struct err e;

	CHECK_INT(aliases_parse(&a, text, strlen(text), "aliases", &e), 0);
	check_cases(a, cases, sizeof(cases) / sizeof(cases[0]));
	aliases_free(a);
}

static void
no_aliases_file_leaves_addresses_alone(void)
{
	static const struct expand_case cases[] = {
		{ "root", "root" },
		{ "a@b.example", "a@b.example" },
	};

	check_cases(NULL, cases, sizeof(cases) / sizeof(cases[0]));
}

struct bad_case {
	const char *text;
	const char *msg;
};

static void
malformed_files_name_the_line(void)
{
	static const struct bad_case cases[] = {
		{ "root ops@example.com\n", "f:1: expected \"name: address, "
		    "...\"" },
		{ "# c\n  x@example.com\n", "f:2: continuation line without "
		    "an entry above" },
		{ "a: x@example.com\nb:\n", "f:2: alias b has no addresses" },
		{ "a: x@example.com\nb: ,\n  , \n", "f:2: alias b has no "
		    "addresses" },
		{ "two words: x@example.com\n", "f:1: alias name \"two words\" "
		    "is empty or holds blanks" },
		{ ": x@example.com\n", "f:1: alias name \"\" is empty or holds "
		    "blanks" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct aliases *a = (struct aliases *)1;
		struct err e;

		err_clear(&e);
		CHECK_INT(aliases_parse(&a, cases[i].text,
		    strlen(cases[i].text), "f", &e), -1);
		CHECK_INT(e.ex, EX_CONFIG);
		CHECK_STR(e.msg, cases[i].msg);
		CHECK(a == NULL);
	}
}

static void
nul_byte_is_refused(void)
{
	struct aliases *a;
	struct err e;

	err_clear(&e);
	CHECK_INT(aliases_parse(&a, "a: b@c\0d\n", 9, "f", &e), -1);
	CHECK_STR(e.msg, "f:1: NUL byte");
}

static void
load_reads_the_file_and_reports_missing_one(void)
{
	char path[] = "/tmp/postie-test-aliases.XXXXXX";
	int fd = mkstemp(path);
	struct aliases *a;
	struct err e;
	char *got;

	CHECK(fd >= 0);
	CHECK_INT(write(fd, "root: r@example.com\n", 20), 20);
	close(fd);
	err_clear(&e);
	CHECK_INT(aliases_load(&a, path, &e), 0);
	got = expand(a, "root");
	CHECK_STR(got, "r@example.com");
	free(got);
	aliases_free(a);
	unlink(path);

	CHECK_INT(aliases_load(&a, "/nonexistent/aliases", &e), -1);
	CHECK_INT(e.ex, EX_CONFIG);
	CHECK_STR(e.msg, "cannot open aliases file /nonexistent/aliases: "
	    "No such file or directory");
}

static const struct test tests[] = {
	TEST(expansion_is_one_level_and_ignores_case),
	TEST(default_catches_unlisted_local_names_only),
	TEST(no_aliases_file_leaves_addresses_alone),
	TEST(malformed_files_name_the_line),
	TEST(nul_byte_is_refused),
	TEST(load_reads_the_file_and_reports_missing_one),
};

CHECK_MAIN(tests)
