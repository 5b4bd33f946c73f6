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

	struct alias_refusals r = { 0 };

	strlist_init(&out);
	buf_init(&b);
	aliases_expand(a, addr, &out, &r);
	for (size_t i = 0; i < out.n; i++)
		buf_printf(&b, "%s%s", i ? " " : "", out.v[i]);
	for (size_t i = 0; i < r.n; i++)
		buf_printf(&b, "%s!%s", b.len ? " " : "", r.v[i].name);
	strlist_free(&out);
	alias_refusals_free(&r);
	if (b.data == NULL)
		buf_adds(&b, "");
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
expansion_of_listed_names_ignores_case(void)
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

/* Parse text (aliases or the message of its failure) for a test. */
static struct aliases *
parsed(const char *text)
{
	struct aliases *a = NULL;
	struct err e;

	err_clear(&e);
	CHECK_INT(aliases_parse(&a, text, strlen(text), "f", &e), 0);
	CHECK_STR(e.msg, "");
	return a;
}

static void
expansion_is_recursive_with_loops_and_duplicates(void)
{
	static const struct expand_case cases[] = {
		/* Debian's chain: postmaster -> root -> ops@ */
		{ "postmaster", "ops@example.com" },
		{ "root", "ops@example.com" },
		/* an alias that reaches itself delivers to the name */
		{ "self", "self ops@example.com" },
		{ "a", "a x@example.com" },
		{ "b", "b x@example.com" },
		/* a@ twice, through two paths, is one recipient */
		{ "list", "a@example.com b@example.com" },
		/* "default" applies to the name asked, not to the names an
		 * alias leads to */
		{ "jane", "catch@example.com" },
		{ "boss", "jane" },
	};
	struct aliases *a = parsed(
	    "postmaster: root\nroot: ops@example.com\n"
	    "self: self, root\n"
	    "a: b\nb: a, x@example.com\n"
	    "list: a@example.com, sub\nsub: A@example.com, b@example.com\n"
	    "default: catch@example.com\nboss: jane\n");

	check_cases(a, cases, sizeof(cases) / sizeof(cases[0]));
	aliases_free(a);
}

static void
include_files_are_read(void)
{
	char path[] = "/tmp/postie-test-include.XXXXXX";
	int fd = mkstemp(path);
	static const char inc[] = "x@example.com, y@example.com\n"
	    "# a comment\nz@example.com # trailing\nroot\n";
	char *text, *got;
	struct aliases *a;

	CHECK(fd >= 0);
	CHECK_INT(write(fd, inc, strlen(inc)), (long long)strlen(inc));
	close(fd);
	text = xasprintf("staff: :include:%s\nroot: ops@example.com\n"
	    "gone: :include:/nonexistent/list\n", path);
	a = parsed(text);
	got = expand(a, "staff");
	CHECK_STR(got, "x@example.com y@example.com z@example.com "
	    "ops@example.com");
	free(got);
	got = expand(a, "gone");
	CHECK_STR(got, "!gone");
	free(got);
	aliases_free(a);
	free(text);
	unlink(path);
}

static void
pipe_and_file_targets_are_refusals(void)
{
	struct aliases *a = parsed(
	    "prog: \"|/usr/bin/procmail\"\n"
	    "archive: /var/mail/archive, keep@example.com\n"
	    "mix: a@example.com, prog\n");
	struct alias_refusals r = { 0 };
	struct strlist out;
	struct buf b;
	char *got;

	got = expand(a, "prog");
	CHECK_STR(got, "!prog");
	free(got);
	got = expand(a, "archive");
	CHECK_STR(got, "keep@example.com !archive");
	free(got);
	got = expand(a, "mix");
	CHECK_STR(got, "a@example.com !prog");
	free(got);
	strlist_init(&out);
	aliases_expand(a, "prog", &out, &r);
	CHECK_INT(r.n, 1);
	if (r.n == 1)
		CHECK(strstr(r.v[0].reason, "\"|/usr/bin/procmail\" is a "
		    "program") != NULL);
	alias_refusals_free(&r);
	strlist_free(&out);
	/* newaliases names each bad entry once, with its line. */
	buf_init(&b);
	CHECK_INT(aliases_check(a, &b), 2);
	CHECK(b.data != NULL && strstr(b.data, "f:1: alias prog: ") != NULL);
	CHECK(b.data != NULL && strstr(b.data, "f:2: alias archive: "
	    "/var/mail/archive is a file") != NULL);
	CHECK(b.data != NULL && strstr(b.data, "f:3:") == NULL);
	buf_free(&b);
	aliases_free(a);
}

static void
deep_nesting_is_refused(void)
{
	struct buf t;
	struct aliases *a;
	char *got;

	buf_init(&t);
	for (int i = 0; i < ALIASES_DEPTH_MAX + 5; i++)
		buf_printf(&t, "a%d: a%d\n", i, i + 1);
	a = parsed(t.data);
	got = expand(a, "a0");
	CHECK(strchr(got, '!') != NULL);
	free(got);
	aliases_free(a);
	buf_free(&t);
}

static const struct test tests[] = {
	TEST(expansion_is_recursive_with_loops_and_duplicates),
	TEST(include_files_are_read),
	TEST(pipe_and_file_targets_are_refusals),
	TEST(deep_nesting_is_refused),
	TEST(expansion_of_listed_names_ignores_case),
	TEST(default_catches_unlisted_local_names_only),
	TEST(no_aliases_file_leaves_addresses_alone),
	TEST(malformed_files_name_the_line),
	TEST(nul_byte_is_refused),
	TEST(load_reads_the_file_and_reports_missing_one),
};

CHECK_MAIN(tests)
