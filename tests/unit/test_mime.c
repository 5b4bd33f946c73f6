/* test_mime.c — unit tests for src/mime.c: compose mode, end to end from
 * argv to the wire form. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sysexits.h>
#include <unistd.h>

#include "check.h"
#include "cli.h"
#include "encode.h"
#include "message.h"
#include "mime.h"
#include "progress.h"
#include "wire.h"

static char tmpdir[64];

static const char *
tmp_path(const char *name)
{
	static char path[4][256];
	static int k;

	if (tmpdir[0] == '\0') {
		strcpy(tmpdir, "/tmp/test_mime.XXXXXX");
		if (mkdtemp(tmpdir) == NULL)
			abort();
	}
	k = (k + 1) % 4;
	snprintf(path[k], sizeof(path[k]), "%s/%s", tmpdir, name);
	return path[k];
}

static const char *
write_file(const char *name, const void *data, size_t len)
{
	const char *p = tmp_path(name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	write_all(fd, data, len);
	close(fd);
	return p;
}

static int
fd_with(const char *text, size_t len)
{
	int fd = memfd_create("stdin", 0);

	write_all(fd, text, len);
	lseek(fd, 0, SEEK_SET);
	return fd;
}

/* Compose from argv (NULL-terminated) with stdin holding in[0..inlen);
 * the wire form (no SMTPUTF8; 8BITMIME as eightbitmime says) goes to out,
 * written twice to see that a second stream is the same; *is8 (when not
 * NULL) gets wire_is_8bit. */
static int
compose_for(const char **argv, const char *in, size_t inlen,
    bool eightbitmime, bool *is8, struct buf *out, struct err *e)
{
	struct wire_opts w = { .eightbitmime = eightbitmime,
	    .smtputf8 = false };
	struct message m;
	struct cli cli;
	struct mime_opts mo;
	int argc = 0, fd, rc;
	off_t bound;

	while (argv[argc] != NULL)
		argc++;
	err_clear(e);
	if (cli_parse(&cli, argc, (char **)argv, e) == -1)
		return -1;
	cli_mime_opts(&cli, &mo);
	message_init(&m);
	fd = fd_with(in, inlen);
	rc = mime_compose(&m, &mo, fd, NULL, e);
	close(fd);
	buf_init(out);
	if (rc == 0) {
		int mf = memfd_create("out", 0), again = memfd_create("out", 0);

		if (m.mime != NULL)
			mime_set_8bitmime(m.mime, eightbitmime);
		if (is8 != NULL)
			*is8 = wire_is_8bit(&m, &w);
		bound = wire_size(&m, &w);
		rc = wire_write(&m, &w, mf, e);
		if (rc == 0)
			rc = wire_write(&m, &w, again, e);
		out->len = 0;
		if (rc == 0) {
			off_t size = lseek(mf, 0, SEEK_END);
			char *second = malloc((size_t)size + 1);

			CHECK(size <= bound);
			CHECK(lseek(again, 0, SEEK_END) == size);
			CHECK(pread(again, second, (size_t)size, 0) == size);
			out->data = realloc(out->data, (size_t)size + 1);
			out->cap = (size_t)size + 1;
			out->len = (size_t)pread(mf, out->data, (size_t)size,
			    0);
			out->data[out->len] = '\0';
			CHECK(memcmp(second, out->data, out->len) == 0);
			free(second);
		}
		close(mf);
		close(again);
	}
	message_free(&m);
	cli_free(&cli);
	return rc;
}

static int
compose(const char **argv, const char *in, size_t inlen, struct buf *out,
    struct err *e)
{
	return compose_for(argv, in, inlen, false, NULL, out, e);
}

/* Every line ends in CRLF and is at most max octets. */
static bool
lines_ok(const struct buf *b, size_t max)
{
	size_t col = 0;

	for (size_t i = 0; i < b->len; i++) {
		if (b->data[i] == '\n') {
			if (i == 0 || b->data[i - 1] != '\r')
				return false;
			col = 0;
		} else if (b->data[i] != '\r' && ++col > max)
			return false;
	}
	return col == 0;
}

/* The body of the part whose header holds marker: from after its empty
 * line to the next boundary line. */
static char *
part_body(const char *msg, const char *marker)
{
	const char *p = strstr(msg, marker), *start, *end;

	if (p == NULL || (start = strstr(p, "\r\n\r\n")) == NULL)
		return NULL;
	start += 4;
	if ((end = strstr(start, "\r\n--=_postie.")) == NULL)
		end = start + strlen(start);
	return strndup(start, (size_t)(end - start));
}

static void
subject_and_body_make_one_text_part(void)
{
	const char *argv[] = { "postie", "-s", "Report caf\xc3\xa9",
	    "ops@example.net", NULL };
	const char in[] = "Hello,\nsee below.\n";
	struct buf out;
	struct err e;

	CHECK_INT(compose(argv, in, sizeof(in) - 1, &out, &e), 0);
	CHECK(strstr(out.data, "Subject: Report =?UTF-8?Q?caf=C3=A9?=\r\n"));
	CHECK(strstr(out.data, "To: ops@example.net\r\n"));
	CHECK(strstr(out.data, "MIME-Version: 1.0\r\n"));
	CHECK(strstr(out.data, "Content-Type: text/plain; charset=us-ascii"
	    "\r\n"));
	CHECK(strstr(out.data, "Content-Transfer-Encoding") == NULL);
	CHECK(strstr(out.data, "\r\n\r\nHello,\r\nsee below.\r\n"));
	CHECK(strstr(out.data, "multipart") == NULL);
	CHECK(lines_ok(&out, 998));
	buf_free(&out);
}

/* mime_compose's own options, no command line: NULL lists are empty. */
static void
options_struct_without_lists_composes(void)
{
	struct mime_opts o = { .subject = "Hi", .from = "me@example.net" };
	struct message m;
	struct err e;
	char *v;
	int fd = fd_with("text\n", 5);

	err_clear(&e);
	message_init(&m);
	CHECK_INT(mime_compose(&m, &o, fd, NULL, &e), 0);
	close(fd);
	v = header_first_value(&m.headers, "Subject");
	CHECK_STR(v, "Hi");
	free(v);
	v = header_first_value(&m.headers, "From");
	CHECK_STR(v, "me@example.net");
	free(v);
	CHECK(header_find(&m.headers, "To", 0) < 0);
	CHECK(m.progress_fd < 0);	/* progress not asked for */
	message_free(&m);
}

static void
utf8_body_goes_quoted_printable(void)
{
	const char *argv[] = { "postie", "-s", "x", "a@example.net", NULL };
	const char in[] = "Gr\xc3\xbc\xc3\x9f" "e\n";
	struct buf out, dec;
	struct err e;
	char *body;

	CHECK_INT(compose(argv, in, sizeof(in) - 1, &out, &e), 0);
	CHECK(strstr(out.data, "Content-Type: text/plain; charset=utf-8\r\n"));
	CHECK(strstr(out.data, "Content-Transfer-Encoding: quoted-printable"));
	body = strstr(out.data, "\r\n\r\n") + 4;
	buf_init(&dec);
	CHECK_INT(qp_decode(body, strlen(body), &dec), 0);
	CHECK_STR(dec.data, "Gr\xc3\xbc\xc3\x9f" "e\r\n");
	buf_free(&dec);
	buf_free(&out);
}

static void
attachment_is_base64_in_76_columns_and_decodes(void)
{
	unsigned char data[5000];
	const char *path, *argv[6] = { "postie", "-a", NULL, "a@example.net",
	    NULL };
	struct buf out, dec;
	struct err e;
	char *b64;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 7 + (i >> 8));
	path = write_file("data.bin", data, sizeof(data));
	argv[2] = path;
	CHECK_INT(compose(argv, "body\n", 5, &out, &e), 0);
	CHECK(strstr(out.data, "Content-Type: multipart/mixed;\r\n boundary="
	    "\"=_postie.m."));
	CHECK(strstr(out.data, "Content-Disposition: attachment;\r\n "
	    "filename=\"data.bin\""));
	CHECK(strstr(out.data, "Content-Transfer-Encoding: base64\r\n"));
	CHECK(lines_ok(&out, 998));
	b64 = part_body(out.data, "filename=\"data.bin\"");
	CHECK(b64 != NULL);
	if (b64 != NULL) {
		struct buf one;
		size_t col = 0;
		bool short_lines = true;

		buf_init(&one);
		for (char *p = b64; *p != '\0'; p++) {
			if (*p == '\r' || *p == '\n') {
				col = 0;
				continue;
			}
			short_lines &= ++col <= 76;
			buf_addc(&one, *p);
		}
		CHECK(short_lines);
		buf_init(&dec);
		CHECK_INT(b64_decode_plain(one.data, one.len, &dec), 0);
		CHECK_MEM(dec.data, dec.len, data, sizeof(data));
		buf_free(&dec);
		buf_free(&one);
	}
	free(b64);
	/* The body stays first, as text. */
	CHECK(strstr(out.data, "Content-Type: text/plain; charset=us-ascii"
	    "\r\n\r\nbody\r\n"));
	buf_free(&out);
}

static void
non_ascii_file_name_uses_rfc2231_and_fallback(void)
{
	const char *argv[] = { "postie", "-a", NULL, "a@example.net", NULL };
	struct buf out;
	struct err e;
	char spec[512];

	snprintf(spec, sizeof(spec), "%s;name=r\xc3\xa9sum\xc3\xa9.csv",
	    write_file("r.csv", "a;1\n", 4));
	argv[2] = spec;
	CHECK_INT(compose(argv, "", 0, &out, &e), 0);
	CHECK(strstr(out.data, "filename*=utf-8''r%C3%A9sum%C3%A9.csv"));
	CHECK(strstr(out.data, "name=\"=?UTF-8?Q?r=C3=A9sum=C3=A9=2Ecsv?=\""));
	buf_free(&out);
}

static void
file_name_with_crlf_cannot_add_a_field(void)
{
	const char *argv[] = { "postie", "-a", NULL, "a@example.net", NULL };
	struct buf out;
	struct err e;
	char spec[512];

	snprintf(spec, sizeof(spec), "%s;name=x\r\nX-Evil: 1\r\n.txt",
	    write_file("evil.txt", "a\n", 2));
	argv[2] = spec;
	CHECK_INT(compose(argv, "", 0, &out, &e), 0);
	CHECK(strstr(out.data, "\r\nX-Evil") == NULL);
	CHECK(strstr(out.data, "\nX-Evil") == NULL);
	buf_free(&out);
}

static void
subject_with_newline_is_refused_65(void)
{
	const char *argv[] = { "postie", "-s", "hi\nBcc: victim@x",
	    "a@example.net", NULL };
	struct buf out;
	struct err e;

	CHECK_INT(compose(argv, "", 0, &out, &e), -1);
	CHECK_INT(e.ex, EX_DATAERR);
	buf_free(&out);
}

static void
from_with_newline_is_refused_65(void)
{
	const char *argv[] = { "postie", "--from", "a@x\r\nBcc: v@x", "-s",
	    "x", "a@example.net", NULL };
	struct buf out;
	struct err e;

	CHECK_INT(compose(argv, "", 0, &out, &e), -1);
	CHECK_INT(e.ex, EX_DATAERR);
	buf_free(&out);
}

static void
missing_attachment_is_66_naming_it(void)
{
	const char *argv[] = { "postie", "-a", "/nonexistent/report.pdf",
	    "a@example.net", NULL };
	struct buf out;
	struct err e;

	CHECK_INT(compose(argv, "", 0, &out, &e), -1);
	CHECK_INT(e.ex, EX_NOINPUT);
	CHECK(strstr(e.msg, "/nonexistent/report.pdf") != NULL);
	buf_free(&out);
}

static void
directory_attachment_is_66(void)
{
	const char *argv[] = { "postie", "-a", "/tmp", "a@example.net", NULL };
	struct buf out;
	struct err e;

	CHECK_INT(compose(argv, "", 0, &out, &e), -1);
	CHECK_INT(e.ex, EX_NOINPUT);
	buf_free(&out);
}

/* libmagic decides types from content, whatever the name says. */
static void
types_come_from_libmagic(void)
{
	static const unsigned char png[] = {
		0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13,
		'I', 'H', 'D', 'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0,
		0x90, 0x77, 0x53, 0xde,
	};
	static const unsigned char gz[] = {
		0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 3, 0, 0, 0, 0, 0, 0, 0,
		0, 0,
	};
	const char *argv[] = { "postie", "-a", NULL, "-a", NULL, "-a", NULL,
	    "a@example.net", NULL };
	struct buf out;
	struct err e;

	argv[2] = write_file("a.dat", png, sizeof(png));
	argv[4] = write_file("b.dat", gz, sizeof(gz));
	argv[6] = write_file("c.dat", "plain words\n", 12);
	CHECK_INT(compose(argv, "", 0, &out, &e), 0);
	CHECK(strstr(out.data, "Content-Type: image/png;\r\n name=\"a.dat\""));
	CHECK(strstr(out.data, "Content-Type: application/gzip;"));
	CHECK(strstr(out.data, "Content-Type: text/plain; charset=us-ascii;"
	    "\r\n name=\"c.dat\""));
	buf_free(&out);
}

static void
type_override_wins_and_bad_type_is_refused(void)
{
	const char *argv[] = { "postie", "-a", NULL, "a@example.net", NULL };
	struct buf out;
	struct err e;
	char spec[512];

	snprintf(spec, sizeof(spec), "%s;type=image/x-test;name=pic.x",
	    write_file("t.dat", "abc", 3));
	argv[2] = spec;
	CHECK_INT(compose(argv, "", 0, &out, &e), 0);
	CHECK(strstr(out.data, "Content-Type: image/x-test;\r\n name=\"pic.x\""));
	buf_free(&out);
	snprintf(spec, sizeof(spec), "%s;type=no type", tmp_path("t.dat"));
	CHECK_INT(compose(argv, "", 0, &out, &e), -1);
	CHECK_INT(e.ex, EX_DATAERR);
	buf_free(&out);
}

static void
html_makes_multipart_alternative(void)
{
	const char *argv[] = { "postie", "-s", "x", "--html", NULL,
	    "a@example.net", NULL };
	struct buf out;
	struct err e;
	const char *alt, *plain, *html;

	argv[4] = write_file("b.html", "<p>Hi</p>\n", 10);
	CHECK_INT(compose(argv, "Hi\n", 3, &out, &e), 0);
	alt = strstr(out.data, "Content-Type: multipart/alternative;");
	plain = strstr(out.data, "Content-Type: text/plain");
	html = strstr(out.data, "Content-Type: text/html; charset=us-ascii");
	CHECK(alt != NULL && plain != NULL && html != NULL);
	CHECK(alt < plain && plain < html);	/* the richest part last */
	CHECK(strstr(out.data, "multipart/mixed") == NULL);
	CHECK(strstr(out.data, "--=_postie.a.") != NULL);
	buf_free(&out);
}

static void
body_file_wins_over_stdin(void)
{
	const char *argv[] = { "postie", "-s", "x", "--body", NULL,
	    "a@example.net", NULL };
	struct buf out;
	struct err e;

	argv[4] = write_file("body.txt", "from the file\n", 14);
	CHECK_INT(compose(argv, "from stdin\n", 11, &out, &e), 0);
	CHECK(strstr(out.data, "from the file\r\n") != NULL);
	CHECK(strstr(out.data, "from stdin") == NULL);
	buf_free(&out);
}

static void
stdin_attachment_leaves_an_empty_body(void)
{
	const char *argv[] = { "postie", "-a", "-;name=log.txt",
	    "a@example.net", NULL };
	struct buf out;
	struct err e;

	CHECK_INT(compose(argv, "line one\n", 9, &out, &e), 0);
	CHECK(strstr(out.data, "filename=\"log.txt\""));
	CHECK(strstr(out.data, "bGluZSBvbmUK") != NULL);	/* base64 */
	CHECK(strstr(out.data, "Content-Type: text/plain; charset=us-ascii\r\n"
	    "\r\n") == NULL);	/* no empty text part */
	buf_free(&out);
}

static void
cc_bcc_display_names_and_headers(void)
{
	const char *argv[] = { "postie", "-s", "x", "--cc",
	    "Ji\xc5\x99\xc3\xad Nov\xc3\xa1k <jiri@example.cz>", "--bcc",
	    "hidden@example.net", "--header", "X-Job: nightly",
	    "--from", "Ops <ops@example.com>", "a@example.net", NULL };
	struct buf out;
	struct err e;

	CHECK_INT(compose(argv, "", 0, &out, &e), 0);
	CHECK(strstr(out.data, "Cc: =?UTF-8?Q?Ji=C5=99=C3=AD_Nov=C3=A1k?= "
	    "<jiri@example.cz>\r\n"));
	CHECK(strstr(out.data, "X-Job: nightly\r\n"));
	CHECK(strstr(out.data, "From: Ops <ops@example.com>\r\n"));
	/* Bcc is the rewrite's to remove; compose records it. */
	CHECK(strstr(out.data, "Bcc: hidden@example.net\r\n"));
	buf_free(&out);
}

static void
mime_header_option_is_refused(void)
{
	const char *argv[] = { "postie", "--header", "Content-Type: text/html",
	    "a@example.net", NULL };
	struct buf out;
	struct err e;

	CHECK_INT(compose(argv, "", 0, &out, &e), -1);
	CHECK_INT(e.ex, EX_USAGE);
	buf_free(&out);
}

/* -t -a: the message read becomes the first part, its MIME fields
 * moved into that part and its 8-bit text re-encoded. */
static void
t_with_attachment_wraps_the_message(void)
{
	const char *argv[] = { "postie", "-t", "-a", NULL, NULL };
	const char in[] = "To: a@example.net\nSubject: wrap\n"
	    "Content-Type: text/plain; charset=utf-8\n"
	    "Content-Transfer-Encoding: 8bit\n\ncaf\xc3\xa9\n";
	struct buf out;
	struct err e;
	const char *hdr_end, *first;

	argv[3] = write_file("w.bin", "\x01\x02\x03", 3);
	CHECK_INT(compose(argv, in, sizeof(in) - 1, &out, &e), 0);
	hdr_end = strstr(out.data, "\r\n\r\n");
	first = strstr(out.data, "Content-Type: text/plain; charset=utf-8");
	CHECK(hdr_end != NULL && first != NULL && first > hdr_end);
	CHECK(strstr(out.data, "Subject: wrap\r\n") < hdr_end);
	CHECK(strstr(out.data, "Content-Type: multipart/mixed;") < hdr_end);
	CHECK(strstr(out.data, "8bit") == NULL);
	CHECK(strstr(out.data, "caf=C3=A9\r\n") != NULL);
	CHECK(strstr(out.data, "AQID") != NULL);
	buf_free(&out);
}

/* The body of the part whose header holds marker, up to the line end
 * before end (a boundary line), decoded per its transfer encoding. */
static bool
decoded_part(const char *msg, const char *marker, const char *end,
    struct buf *dec)
{
	const char *p = strstr(msg, marker), *start, *stop, *cte;
	char *body;
	struct buf flat;
	int rc = 0;

	buf_init(dec);
	if (p == NULL || (start = strstr(p, "\r\n\r\n")) == NULL ||
	    (stop = strstr(start + 4, end)) == NULL)
		return false;
	body = strndup(start + 4, (size_t)(stop - start - 4));
	cte = strstr(p, "Content-Transfer-Encoding: ");
	if (cte != NULL && cte < start && strncmp(cte + 27,
	    "quoted-printable", 16) == 0)
		rc = qp_decode(body, strlen(body), dec);
	else if (cte != NULL && cte < start && strncmp(cte + 27, "base64",
	    6) == 0) {
		buf_init(&flat);
		for (const char *q = body; *q != '\0'; q++)
			if (*q != '\r' && *q != '\n')
				buf_addc(&flat, *q);
		rc = b64_decode_plain(flat.data, flat.len, dec);
		buf_free(&flat);
	} else
		buf_adds(dec, body);
	free(body);
	return rc == 0;
}

static bool
all_7bit(const struct buf *b)
{
	for (size_t i = 0; i < b->len; i++)
		if ((unsigned char)b->data[i] >= 0x80)
			return false;
	return true;
}

/* Issue 14: the Content-* fields -t -a moves into the first part went
 * raw: "Content-Description: café" to a server without 8BITMIME, and
 * 1000 octets of it as one line.  They follow every field's rules now. */
static void
t_with_attachment_part_fields_7bit_and_folded(void)
{
	const char *argv[] = { "postie", "-t", "-a", NULL, NULL };
	const char in[] = "To: a@example.net\nSubject: desc\n"
	    "Content-Type: text/plain\n"
	    "Content-Description: caf\xc3\xa9\n\nhello\n";
	struct buf out, lng;
	struct err e;

	argv[3] = write_file("d.bin", "\x01\x02\x03", 3);
	CHECK_INT(compose(argv, in, sizeof(in) - 1, &out, &e), 0);
	CHECK(all_7bit(&out));
	CHECK(strstr(out.data, "Content-Description: =?UTF-8?Q?caf=C3=A9?="
	    "\r\n") != NULL);
	buf_free(&out);

	buf_init(&lng);
	buf_adds(&lng, "To: a@example.net\nContent-Description:");
	for (int i = 0; i < 200; i++)
		buf_adds(&lng, " word");
	buf_adds(&lng, "\n\nhello\n");
	CHECK_INT(compose(argv, lng.data, lng.len, &out, &e), 0);
	CHECK(lines_ok(&out, 998));
	CHECK(strstr(out.data, "Content-Description: word word") != NULL);
	buf_free(&out);
	buf_free(&lng);
}

static char *
long_html_line(size_t n)
{
	char *s = xmalloc(n + 1);

	for (size_t i = 0; i < n; i++)
		s[i] = (char)(0x21 + i % 90);
	s[n] = '\0';
	return s;
}

/* stdin for -t -a: multipart/alternative, an 8-bit text part and an HTML
 * part with one line of html_len octets. */
static char *
alternative_message(const char *html)
{
	return xasprintf("To: a@example.net\nSubject: alt\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/alternative;\n boundary=\"alt-1\"\n\n"
	    "--alt-1\nContent-Type: text/plain; charset=utf-8\n"
	    "Content-Transfer-Encoding: 8bit\n\n"
	    "d\xc3\xa9j\xc3\xa0 vu\nline two\n"
	    "--alt-1\nContent-Type: text/html\n\n<p>%s</p>\n--alt-1--\n",
	    html);
}

/* -t -a with a multipart body to a server without 8BITMIME: each part is
 * re-encoded on its own and decodes to what it was; the message keeps
 * its boundary, the wire form is 7-bit with short lines. */
static void
t_a_multipart_body_is_reencoded_part_by_part(void)
{
	const char *argv[] = { "postie", "-t", "-a", NULL, NULL };
	char *line = long_html_line(2000), *in = alternative_message(line);
	char *html = xasprintf("<p>%s</p>", line);
	struct buf out, dec;
	struct err e;
	bool is8 = true;

	argv[3] = write_file("r.pdf", "%PDF-1.4\n\x80\x81\x00\xff", 13);
	CHECK_INT(compose_for(argv, in, strlen(in), false, &is8, &out, &e), 0);
	CHECK(!is8);
	CHECK(lines_ok(&out, 998));
	CHECK(all_7bit(&out));
	/* the first part is the message's multipart, its fields as written */
	CHECK(strstr(out.data, "\r\n\r\n--=_postie.m.") != NULL);
	CHECK(strstr(out.data, "\r\nContent-Type: multipart/alternative;\r\n"
	    " boundary=\"alt-1\"\r\n\r\n--alt-1\r\n") != NULL);
	CHECK(decoded_part(out.data, "charset=utf-8", "\r\n--alt-1\r\n",
	    &dec));
	CHECK_STR(dec.data, "d\xc3\xa9j\xc3\xa0 vu\r\nline two");
	buf_free(&dec);
	CHECK(strstr(out.data, "8bit") == NULL);
	CHECK(decoded_part(out.data, "text/html", "\r\n--alt-1--\r\n", &dec));
	CHECK_STR(dec.data, html);
	buf_free(&dec);
	CHECK(decoded_part(out.data, "name=\"r.pdf\"", "\r\n--=_postie.m.",
	    &dec));
	CHECK_INT(dec.len, 13);
	CHECK(memcmp(dec.data, "%PDF-1.4\n\x80\x81\x00\xff", 13) == 0);
	buf_free(&dec);
	buf_free(&out);
	free(html);
	free(in);
	free(line);
}

/* To a server that offers 8BITMIME the 8-bit text part stays 8bit, as
 * it came; only the part with the long line changes. */
static void
t_a_keeps_8bit_for_8bitmime_and_fixes_long_lines(void)
{
	const char *argv[] = { "postie", "-t", "-a", NULL, NULL };
	char *line = long_html_line(1500), *in = alternative_message(line);
	char *html = xasprintf("<p>%s</p>", line);
	struct buf out, dec;
	struct err e;
	bool is8 = false;

	argv[3] = write_file("r.bin", "\x01\x02\x03", 3);
	CHECK_INT(compose_for(argv, in, strlen(in), true, &is8, &out, &e), 0);
	CHECK(is8);
	CHECK(lines_ok(&out, 998));
	CHECK(strstr(out.data, "Content-Transfer-Encoding: 8bit\r\n\r\n"
	    "d\xc3\xa9j\xc3\xa0 vu\r\nline two\r\n--alt-1\r\n") != NULL);
	CHECK(decoded_part(out.data, "text/html", "\r\n--alt-1--\r\n", &dec));
	CHECK(strstr(out.data, "quoted-printable") != NULL);
	CHECK_STR(dec.data, html);
	buf_free(&dec);
	buf_free(&out);
	free(html);
	free(in);
	free(line);
}

/* base64 of p[0..n) on one line. */
static char *
b64_one_line(const char *p, size_t n)
{
	struct b64 st;
	struct buf enc, flat;

	buf_init(&enc);
	buf_init(&flat);
	b64_init(&st);
	b64_encode(&st, p, n, &enc);
	b64_finish(&st, &enc);
	for (size_t i = 0; i < enc.len; i++)
		if (enc.data[i] != '\r' && enc.data[i] != '\n')
			buf_addc(&flat, enc.data[i]);
	buf_free(&enc);
	return buf_steal(&flat);
}

/* A body that is already base64, in one 2000-character line: re-wrapped
 * at 76, the same bytes once decoded, its field unchanged. */
static void
t_a_encoded_body_with_long_line_is_rewrapped(void)
{
	const char *argv[] = { "postie", "-t", "-a", NULL, NULL };
	struct buf in, raw, out, dec;
	struct err e;
	char *b64, wrapped[96];

	buf_init(&raw);
	for (int i = 0; i < 1500; i++)
		buf_addc(&raw, (char)(i * 7));
	b64 = b64_one_line(raw.data, raw.len);
	CHECK_INT(strlen(b64), 2000);
	buf_init(&in);
	buf_printf(&in, "To: a@example.net\nContent-Type: "
	    "application/octet-stream\nContent-Transfer-Encoding: base64\n\n"
	    "%s\n", b64);
	argv[3] = write_file("s.bin", "x", 1);
	CHECK_INT(compose(argv, in.data, in.len, &out, &e), 0);
	CHECK(lines_ok(&out, 998));
	snprintf(wrapped, sizeof(wrapped), "base64\r\n\r\n%.76s\r\n%.8s",
	    b64, b64 + 76);
	CHECK(strstr(out.data, wrapped) != NULL);
	CHECK(decoded_part(out.data, "application/octet-stream",
	    "\r\n--=_postie.m.", &dec));
	CHECK_INT(dec.len, raw.len);
	CHECK(dec.len == raw.len && memcmp(dec.data, raw.data, raw.len) == 0);
	buf_free(&dec);
	buf_free(&out);
	buf_free(&in);
	buf_free(&raw);
	free(b64);
}

/* A body without a final line end keeps its exact content: the line end
 * before the next boundary belongs to the boundary. */
static void
t_a_body_without_final_newline_keeps_its_content(void)
{
	const char *argv[] = { "postie", "-t", "-a", NULL, NULL };
	const char in[] = "To: a@example.net\nSubject: n\n\nno newline";
	struct buf out;
	struct err e;

	argv[3] = write_file("n.bin", "x", 1);
	CHECK_INT(compose(argv, in, sizeof(in) - 1, &out, &e), 0);
	CHECK(strstr(out.data, "\r\n\r\nno newline\r\n--=_postie.m.") != NULL);
	CHECK(lines_ok(&out, 998));
	buf_free(&out);
}

/* An untyped 8-bit body gets an honest label in the first part. */
static void
t_a_untyped_8bit_body_is_labelled_utf8(void)
{
	const char *argv[] = { "postie", "-t", "-a", NULL, NULL };
	const char in[] = "To: a@example.net\n\nna\xc3\xafve\n";
	struct buf out, dec;
	struct err e;

	argv[3] = write_file("u.bin", "x", 1);
	CHECK_INT(compose(argv, in, sizeof(in) - 1, &out, &e), 0);
	CHECK(all_7bit(&out));
	CHECK(decoded_part(out.data, "Content-Type: text/plain; charset=utf-8",
	    "\r\n--=_postie.m.", &dec));
	CHECK_STR(dec.data, "na\xc3\xafve\r\n");
	buf_free(&dec);
	buf_free(&out);
}

static void
boundary_never_clashes_with_text(void)
{
	const char *argv[] = { "postie", "-a", NULL, "a@example.net", NULL };
	const char in[] = "--=_postie.m.\n=_postie.\n";
	struct buf out;
	struct err e;
	const char *b, *q;
	char bd[64];

	argv[2] = write_file("x.bin", "x", 1);
	CHECK_INT(compose(argv, in, sizeof(in) - 1, &out, &e), 0);
	b = strstr(out.data, "boundary=\"");
	CHECK(b != NULL);
	if (b != NULL) {
		b += 10;
		q = strchr(b, '"');
		snprintf(bd, sizeof(bd), "--%.*s", (int)(q - b), b);
		/* two delimiters and the close, nothing else */
		int count = 0;

		for (const char *p = out.data; (p = strstr(p, bd)) != NULL;
		    p++)
			count++;
		CHECK_INT(count, 3);
	}
	buf_free(&out);
}

static void
progress_line_states_bytes_rate_and_time_left(void)
{
	char line[160];

	progress_format(line, sizeof(line), 10 * 1048576LL,
	    100 * 1048576LL, 0, 2000);
	CHECK_STR(line, "postie: 10.0 of 100.0 MiB, 5.0 MiB/s, 18 s left");
	progress_format(line, sizeof(line), 0, 100 * 1048576LL, 0, 0);
	CHECK_STR(line, "postie: 0.0 of 100.0 MiB");
	progress_format(line, sizeof(line), 10 * 1048576LL,
	    100 * 1048576LL, 73 * 1048576LL, 2000);
	CHECK_STR(line, "postie: 10.0 of 100.0 MiB (files 73.0 MiB), "
	    "5.0 MiB/s, 18 s left");
	progress_fit(line, 20);
	CHECK_STR(line, "postie: 10.0 of 100");
	progress_fit(line, 0);
	CHECK_STR(line, "postie: 10.0 of 100");
}

static void
charset_labels_are_honest(void)
{
	CHECK_STR(mime_text_charset(false, true), "us-ascii");
	CHECK_STR(mime_text_charset(true, true), "utf-8");
	/* The C locale's charset is ASCII: no guess. */
	CHECK_STR(mime_text_charset(true, false), "unknown-8bit");
}

static const struct test tests[] = {
	TEST(subject_and_body_make_one_text_part),
	TEST(options_struct_without_lists_composes),
	TEST(utf8_body_goes_quoted_printable),
	TEST(attachment_is_base64_in_76_columns_and_decodes),
	TEST(non_ascii_file_name_uses_rfc2231_and_fallback),
	TEST(file_name_with_crlf_cannot_add_a_field),
	TEST(subject_with_newline_is_refused_65),
	TEST(from_with_newline_is_refused_65),
	TEST(missing_attachment_is_66_naming_it),
	TEST(directory_attachment_is_66),
	TEST(types_come_from_libmagic),
	TEST(type_override_wins_and_bad_type_is_refused),
	TEST(html_makes_multipart_alternative),
	TEST(body_file_wins_over_stdin),
	TEST(stdin_attachment_leaves_an_empty_body),
	TEST(cc_bcc_display_names_and_headers),
	TEST(mime_header_option_is_refused),
	TEST(t_with_attachment_wraps_the_message),
	TEST(t_with_attachment_part_fields_7bit_and_folded),
	TEST(t_a_multipart_body_is_reencoded_part_by_part),
	TEST(t_a_keeps_8bit_for_8bitmime_and_fixes_long_lines),
	TEST(t_a_encoded_body_with_long_line_is_rewrapped),
	TEST(t_a_body_without_final_newline_keeps_its_content),
	TEST(t_a_untyped_8bit_body_is_labelled_utf8),
	TEST(boundary_never_clashes_with_text),
	TEST(progress_line_states_bytes_rate_and_time_left),
	TEST(charset_labels_are_honest),
};

CHECK_MAIN(tests)
