/*
 * test_reencode.c — unit tests for src/reencode.c: per-part re-encoding
 * of MIME bodies postie did not compose.  Outputs are taken apart here
 * the way a reader would (boundary lines, part headers, decoding with
 * qp_decode / b64_decode_plain) and compared with the original content.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "check.h"
#include "encode.h"
#include "reencode.h"

/* Both passes in chunks of `chunk` bytes (0: all at once). */
static void
run(const char *ctype, const char *cte, bool eightbit_ok, const char *in,
    size_t len, size_t chunk, struct buf *out, off_t *bound,
    const char **root_cte)
{
	struct reencode *re = reencode_new(ctype, cte, eightbit_ok);
	size_t step = chunk == 0 ? (len > 0 ? len : 1) : chunk;

	for (size_t i = 0; i < len; i += step)
		reencode_scan(re, in + i, len - i < step ? len - i : step);
	reencode_scan_end(re);
	if (bound != NULL)
		*bound = reencode_size_bound(re);
	if (root_cte != NULL)
		*root_cte = reencode_root_cte(re);
	buf_init(out);
	for (size_t i = 0; i < len; i += step)
		reencode_feed(re, in + i, len - i < step ? len - i : step, out);
	reencode_finish(re, out);
	reencode_free(re);
}

/* Every line ends in CRLF, is at most 998 octets, and (when seven) every
 * octet is 7-bit. */
static bool
wire_safe(const struct buf *b, bool seven)
{
	size_t col = 0;

	for (size_t i = 0; i < b->len; i++) {
		unsigned char c = (unsigned char)b->data[i];

		if (seven && c >= 0x80)
			return false;
		if (c == '\r') {
			if (i + 1 >= b->len || b->data[i + 1] != '\n')
				return false;
		} else if (c == '\n') {
			if (i == 0 || b->data[i - 1] != '\r')
				return false;
			col = 0;
		} else if (++col > 998)
			return false;
	}
	return b->len == 0 || (b->len >= 2 && b->data[b->len - 1] == '\n');
}

/* The n-th part (0-based) between "--bd" lines: its header text and its
 * raw body (without the CRLF that belongs to the next boundary). */
static bool
nth_part(const char *s, size_t len, const char *bd, int n, char **hdr,
    char **body)
{
	char open[128];
	const char *p = s, *end = s + len, *start = NULL, *stop, *sep;
	size_t ol;

	snprintf(open, sizeof(open), "--%s\r\n", bd);
	ol = strlen(open);
	for (int i = 0; i <= n; i++) {
		const char *q = p == s && len >= ol && memcmp(s, open, ol) == 0 ?
		    s : NULL;

		if (q == NULL) {
			char key[130];

			snprintf(key, sizeof(key), "\r\n%s", open);
			q = memmem(p, (size_t)(end - p), key, strlen(key));
			if (q == NULL)
				return false;
			q += 2;
		}
		p = start = q + ol;
	}
	snprintf(open, sizeof(open), "\r\n--%s", bd);
	stop = memmem(start, (size_t)(end - start), open, strlen(open));
	if (stop == NULL)
		stop = end;
	sep = memmem(start, (size_t)(stop - start), "\r\n\r\n", 4);
	if (sep == NULL) {
		*hdr = xstrndup(start, (size_t)(stop - start));
		*body = xstrdup("");
		return true;
	}
	*hdr = xstrndup(start, (size_t)(sep - start));
	*body = xstrndup(sep + 4, (size_t)(stop - sep - 4));
	return true;
}

/* Decode a body per the Content-Transfer-Encoding in hdr. */
static void
decode(const char *hdr, const char *body, struct buf *out)
{
	const char *cte = strcasestr(hdr, "Content-Transfer-Encoding:");
	struct buf flat;

	buf_init(out);
	if (cte != NULL && strncasecmp(cte + 26, " quoted-printable", 17) == 0) {
		CHECK(qp_decode(body, strlen(body), out) == 0);
		return;
	}
	if (cte != NULL && strncasecmp(cte + 26, " base64", 7) == 0) {
		buf_init(&flat);
		for (const char *p = body; *p != '\0'; p++)
			if (*p != '\r' && *p != '\n')
				buf_addc(&flat, *p);
		CHECK(b64_decode_plain(flat.data ? flat.data : "", flat.len,
		    out) == 0);
		buf_free(&flat);
		return;
	}
	buf_adds(out, body);
}

static char *
long_line(size_t n)
{
	char *s = xmalloc(n + 1);

	for (size_t i = 0; i < n; i++)
		s[i] = (char)(0x21 + i % 90);
	s[n] = '\0';
	return s;
}

/* multipart/mixed: [ multipart/alternative: [ 8-bit text/plain,
 * long-line text/html ], base64 image ], with preamble and epilogue. */
static char *
nested_message(const char *html_line)
{
	return xasprintf(
	    "This is a preamble\n"
	    "--outer\n"
	    "Content-Type: multipart/alternative; boundary=\"inner\"\n"
	    "\n"
	    "--inner\n"
	    "Content-Type: text/plain; charset=utf-8\n"
	    "Content-Transfer-Encoding: 8bit\n"
	    "\n"
	    "d\xc3\xa9j\xc3\xa0 vu\n"
	    "second line\n"
	    "--inner\n"
	    "Content-Type: text/html\n"
	    "\n"
	    "<p>%s</p>\n"
	    "--inner--\n"
	    "--outer\n"
	    "Content-Type: image/png\n"
	    "Content-Transfer-Encoding: base64\n"
	    "\n"
	    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk\n"
	    "+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==\n"
	    "--outer--\n"
	    "epilogue\n", html_line);
}

#define OUTER_TYPE "multipart/mixed; boundary=\"outer\""

static void
nested_parts_become_7bit_and_decode_to_original(void)
{
	char *line = long_line(2000), *in = nested_message(line);
	char *html = xasprintf("<p>%s</p>", line), *inner_h, *inner_b, *h, *b;
	struct buf out, dec;
	off_t bound;
	const char *root;

	run(OUTER_TYPE, NULL, false, in, strlen(in), 0, &out, &bound, &root);
	CHECK(wire_safe(&out, true));
	CHECK(root == NULL);
	CHECK((off_t)out.len <= bound);
	CHECK(nth_part(out.data, out.len, "outer", 0, &inner_h, &inner_b));
	CHECK(strstr(inner_h, "multipart/alternative") != NULL);
	/* the 8-bit text part: quoted-printable, same text */
	CHECK(nth_part(inner_b, strlen(inner_b), "inner", 0, &h, &b));
	CHECK(strstr(h, "Content-Transfer-Encoding: quoted-printable") != NULL);
	CHECK(strstr(h, "8bit") == NULL);
	CHECK(strstr(h, "charset=utf-8") != NULL);
	decode(h, b, &dec);
	CHECK_STR(dec.data, "d\xc3\xa9j\xc3\xa0 vu\r\nsecond line");
	buf_free(&dec);
	free(h);
	free(b);
	/* the long-line html part: quoted-printable, same text */
	CHECK(nth_part(inner_b, strlen(inner_b), "inner", 1, &h, &b));
	CHECK(strstr(h, "Content-Transfer-Encoding: quoted-printable") != NULL);
	decode(h, b, &dec);
	CHECK_STR(dec.data, html);
	buf_free(&dec);
	free(h);
	free(b);
	/* the image: already base64 with short lines, untouched */
	CHECK(nth_part(out.data, out.len, "outer", 1, &h, &b));
	CHECK_STR(b, "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
	    "\r\n+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==");
	decode(h, b, &dec);
	CHECK_INT(dec.len, 70);
	CHECK(memcmp(dec.data, "\x89PNG\r\n\x1a\n", 8) == 0);
	buf_free(&dec);
	CHECK(strstr(out.data, "This is a preamble\r\n--outer\r\n") == out.data);
	CHECK(strstr(out.data, "\r\n--outer--\r\nepilogue\r\n") != NULL);
	free(h);
	free(b);
	free(inner_h);
	free(inner_b);
	buf_free(&out);
	free(in);
	free(html);
	free(line);
}

static void
eightbitmime_server_keeps_8bit_part_but_fixes_long_line(void)
{
	char *line = long_line(1500), *in = nested_message(line), *ih, *ib;
	char *h, *b;
	struct buf out;

	run(OUTER_TYPE, NULL, true, in, strlen(in), 0, &out, NULL, NULL);
	CHECK(wire_safe(&out, false));
	CHECK(nth_part(out.data, out.len, "outer", 0, &ih, &ib));
	CHECK(nth_part(ib, strlen(ib), "inner", 0, &h, &b));
	CHECK(strstr(h, "Content-Transfer-Encoding: 8bit") != NULL);
	CHECK_STR(b, "d\xc3\xa9j\xc3\xa0 vu\r\nsecond line");
	free(h);
	free(b);
	CHECK(nth_part(ib, strlen(ib), "inner", 1, &h, &b));
	CHECK(strstr(h, "quoted-printable") != NULL);
	free(h);
	free(b);
	free(ih);
	free(ib);
	buf_free(&out);
	free(in);
	free(line);
}

static void
one_byte_chunks_give_the_same_output(void)
{
	char *line = long_line(2000), *in = nested_message(line);
	size_t sizes[] = { 1, 2, 3, 7, 64, 999 };
	struct buf whole, part;
	off_t bw, bp;

	run(OUTER_TYPE, NULL, false, in, strlen(in), 0, &whole, &bw, NULL);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		run(OUTER_TYPE, NULL, false, in, strlen(in), sizes[i], &part,
		    &bp, NULL);
		CHECK_MEM(part.data, part.len, whole.data, whole.len);
		CHECK_INT(bp, bw);
		buf_free(&part);
	}
	buf_free(&whole);
	free(in);
	free(line);
}

/* CRLF input, split inside "--inner", between CR and LF, and inside the
 * 8-bit sequence. */
static void
boundary_split_across_chunks(void)
{
	const char *in =
	    "--b\r\nContent-Type: text/plain\r\n\r\nna\xc3\xafve\r\n--b--\r\n";
	size_t len = strlen(in);
	struct buf whole, split;

	run("multipart/mixed; boundary=b", NULL, false, in, len, 0, &whole,
	    NULL, NULL);
	for (size_t cut = 1; cut < len; cut++) {
		struct reencode *re = reencode_new(
		    "multipart/mixed; boundary=b", NULL, false);

		reencode_scan(re, in, cut);
		reencode_scan(re, in + cut, len - cut);
		reencode_scan_end(re);
		buf_init(&split);
		reencode_feed(re, in, cut, &split);
		reencode_feed(re, in + cut, len - cut, &split);
		reencode_finish(re, &split);
		CHECK_MEM(split.data, split.len, whole.data, whole.len);
		buf_free(&split);
		reencode_free(re);
	}
	CHECK_STR(whole.data, "--b\r\nContent-Type: text/plain\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
	    "na=C3=AFve=\r\n\r\n--b--\r\n");
	buf_free(&whole);
}

static void
clean_multipart_passes_unchanged_with_crlf(void)
{
	const char *in = "pre\n--b\nContent-Type: text/plain\n\nhello\n\n"
	    "--b \t\nX: y\n\nworld\n--b--\nend";
	struct buf out;
	off_t bound;

	run("multipart/mixed; boundary=\"b\"", "7bit", false, in, strlen(in),
	    0, &out, &bound, NULL);
	CHECK_STR(out.data, "pre\r\n--b\r\nContent-Type: text/plain\r\n\r\n"
	    "hello\r\n\r\n--b\r\nX: y\r\n\r\nworld\r\n--b--\r\nend\r\n");
	CHECK((off_t)out.len <= bound);
	buf_free(&out);
}

static void
missing_end_boundary_still_reencodes_last_part(void)
{
	const char *in = "--b\nContent-Type: text/plain\n\n\xe9t\xe9\n";
	char *h, *b;
	struct buf out, dec;

	run("multipart/mixed; boundary=b", NULL, false, in, strlen(in), 1,
	    &out, NULL, NULL);
	CHECK(wire_safe(&out, true));
	CHECK(nth_part(out.data, out.len, "b", 0, &h, &b));
	decode(h, b, &dec);
	CHECK_STR(dec.data, "\xe9t\xe9\r\n");
	buf_free(&dec);
	free(h);
	free(b);
	buf_free(&out);
}

/* A multipart whose boundary never appears is one text to its readers:
 * the top-level field must say quoted-printable, and decoding gives
 * every byte back. */
static void
boundary_never_seen_makes_body_one_qp_text(void)
{
	const char *in = "caf\xc3\xa9\n--other\nmore \xff text\n";
	struct buf out, dec;
	const char *root;

	run("multipart/mixed; boundary=b", NULL, false, in, strlen(in), 3,
	    &out, NULL, &root);
	CHECK_STR(root, "quoted-printable");
	CHECK(wire_safe(&out, true));
	buf_init(&dec);
	CHECK(qp_decode(out.data, out.len, &dec) == 0);
	CHECK_STR(dec.data, "caf\xc3\xa9\r\n--other\r\nmore \xff text\r\n");
	buf_free(&dec);
	buf_free(&out);
}

static void
existing_qp_part_with_long_line_gets_soft_breaks(void)
{
	char *line = xmalloc(3001), *in, *h, *b;
	struct buf out, dec, want;

	for (size_t i = 0; i < 3000; i++)	/* no '=' of its own */
		line[i] = (char)('a' + i % 26);
	line[3000] = '\0';
	in = xasprintf("--b\nContent-Transfer-Encoding: quoted-printable\n\n"
	    "a=3Db%s\xc3\xa9=\nz\n--b--\n", line);
	run("multipart/mixed; boundary=b", NULL, false, in, strlen(in), 5,
	    &out, NULL, NULL);
	CHECK(wire_safe(&out, true));
	CHECK(nth_part(out.data, out.len, "b", 0, &h, &b));
	CHECK(strstr(h, "quoted-printable") != NULL);
	decode(h, b, &dec);
	buf_init(&want);
	buf_printf(&want, "a=b%s\xc3\xa9z", line);
	CHECK_MEM(dec.data, dec.len, want.data, want.len);
	buf_free(&want);
	buf_free(&dec);
	free(h);
	free(b);
	buf_free(&out);
	free(in);
	free(line);
}

static void
existing_base64_part_with_long_line_is_rewrapped(void)
{
	unsigned char raw[1500];
	char *plain, *in, *h, *b;
	struct buf out, dec;

	for (size_t i = 0; i < sizeof(raw); i++)
		raw[i] = (unsigned char)(i * 7);
	plain = b64_encode_plain(raw, sizeof(raw));	/* one 2000-char line */
	in = xasprintf("--b\nContent-Type: application/octet-stream\n"
	    "Content-Transfer-Encoding: base64\n\n%s\n--b--\n", plain);
	run("multipart/mixed; boundary=b", NULL, false, in, strlen(in), 0,
	    &out, NULL, NULL);
	CHECK(wire_safe(&out, true));
	CHECK(nth_part(out.data, out.len, "b", 0, &h, &b));
	CHECK(strlen(b) > 76 && b[76] == '\r');
	decode(h, b, &dec);
	CHECK_MEM(dec.data, dec.len, raw, sizeof(raw));
	buf_free(&dec);
	free(h);
	free(b);
	buf_free(&out);
	free(in);
	free(plain);
}

static void
eightbit_binary_part_becomes_base64_with_crlf(void)
{
	const char *in = "--b\nContent-Type: application/x-thing\n"
	    "Content-Transfer-Encoding: binary\n\n\x80\x81\nx\n--b--\n";
	char *h, *b;
	struct buf out, dec;

	run("multipart/mixed; boundary=b", NULL, false, in, strlen(in), 0,
	    &out, NULL, NULL);
	CHECK(wire_safe(&out, true));
	CHECK(nth_part(out.data, out.len, "b", 0, &h, &b));
	CHECK(strstr(h, "Content-Transfer-Encoding: base64") != NULL);
	CHECK(strstr(h, "binary") == NULL);
	decode(h, b, &dec);
	CHECK_MEM(dec.data, dec.len, "\x80\x81\r\nx", 5);
	buf_free(&dec);
	free(h);
	free(b);
	buf_free(&out);
}

static void
embedded_message_body_is_reencoded_inside(void)
{
	const char *in = "--b\nContent-Type: message/rfc822\n\n"
	    "Subject: inner\nContent-Type: text/plain\n\nna\xc3\xafve\n--b--\n";
	struct buf out;

	run("multipart/mixed; boundary=b", NULL, false, in, strlen(in), 0,
	    &out, NULL, NULL);
	CHECK(wire_safe(&out, true));
	CHECK_STR(out.data, "--b\r\nContent-Type: message/rfc822\r\n\r\n"
	    "Subject: inner\r\nContent-Type: text/plain\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
	    "na=C3=AFve=\r\n\r\n--b--\r\n");
	buf_free(&out);
}

static void
single_base64_body_with_long_line_is_rewrapped(void)
{
	char *in = long_line(0), *s;
	struct buf out;
	const char *root;

	free(in);
	s = xmalloc(1201);
	memset(s, 'A', 1200);
	s[1200] = '\0';
	run("application/octet-stream", "base64", false, s, 1200, 0, &out,
	    NULL, &root);
	CHECK(root == NULL);
	CHECK(wire_safe(&out, true));
	CHECK_INT(out.len, 1200 + 2 * (1200 / 76 + 1));
	buf_free(&out);
	free(s);
}

/* Past REENCODE_PARTS_MAX nothing is known: parts are re-encoded. */
static void
parts_past_the_cap_are_reencoded_conservatively(void)
{
	struct buf in, out;
	off_t bound;
	struct reencode *re;

	buf_init(&in);
	for (int i = 0; i < REENCODE_PARTS_MAX + 5; i++)
		buf_printf(&in, "--b\nContent-Type: text/plain\n\npart %d\n",
		    i);
	buf_adds(&in, "--b--\n");
	run("multipart/mixed; boundary=b", NULL, false, in.data, in.len, 0,
	    &out, &bound, NULL);
	CHECK(wire_safe(&out, true));
	CHECK((off_t)out.len <= bound);
	CHECK(strstr(out.data, "\r\n\r\npart 990\r\n--b") != NULL);
	CHECK(strstr(out.data, "\r\n\r\npart 1003=\r\n\r\n--b") != NULL);
	re = reencode_new("multipart/mixed; boundary=b", NULL, false);
	reencode_scan(re, in.data, in.len);
	reencode_scan_end(re);
	CHECK_INT(reencode_parts(re), REENCODE_PARTS_MAX + 6);
	reencode_free(re);
	buf_free(&out);
	buf_free(&in);
}

/* ---- 8-bit part header fields ------------------------------------------ */

#define RESUME	"r\xc3\xa9sum\xc3\xa9.pdf"
#define CAFE	"caf\xc3\xa9"

/* A multipart whose one part names its file and describes itself in raw
 * UTF-8, as some mailers write them. */
static const char part_headers_in[] =
    "--b\n"
    "Content-Type: application/pdf; name=\"" RESUME "\"\n"
    "Content-Disposition: attachment; filename=\"" RESUME "\"; size=3\n"
    "Content-Description: " CAFE "\n"
    "Content-Transfer-Encoding: base64\n"
    "\n"
    "JVBE\n"
    "--b--\n";

/* The value of field name in a header section (CRLF, folded), unfolded
 * as a reader does: CRLF before WSP removed.  NULL when absent. */
static char *
field_value(const char *hdr, const char *name)
{
	size_t nl = strlen(name);
	const char *p = hdr;
	struct buf v;

	while (p != NULL && strncasecmp(p, name, nl) != 0)
		p = (p = strstr(p, "\r\n")) != NULL ? p + 2 : NULL;
	if (p == NULL || p[nl] != ':')
		return NULL;
	buf_init(&v);
	for (p += nl + 1; *p == ' '; p++)
		;
	for (; *p != '\0'; p++) {
		if (p[0] == '\r' && p[1] == '\n' && p[2] != ' ' && p[2] != '\t')
			break;
		if (*p != '\r' && *p != '\n')
			buf_addc(&v, *p);
	}
	return buf_steal(&v);
}

static int
hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' :
	    c >= 'A' && c <= 'F' ? c - 'A' + 10 :
	    c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* An RFC 2231 parameter as Python's email package reads it: name*=
 * or the sections name*0*=, name*1*=... joined, charset'lang' dropped,
 * %XX decoded.  NULL when absent. */
static char *
rfc2231_value(const char *v, const char *name)
{
	struct buf out;
	char key[64];
	bool found = false;

	buf_init(&out);
	for (int sec = -1; sec < 100; sec++) {
		const char *p, *q;

		if (sec < 0)
			snprintf(key, sizeof(key), "%s*=", name);
		else
			snprintf(key, sizeof(key), "%s*%d*=", name, sec);
		if ((p = strstr(v, key)) == NULL) {
			if (sec < 0)
				continue;
			break;
		}
		found = true;
		p += strlen(key);
		if (sec <= 0 && (q = strstr(p, "''")) != NULL)
			p = q + 2;
		for (; *p != '\0' && *p != ';' && *p != ' '; p++) {
			if (*p == '%' && hexval(p[1]) >= 0 && hexval(p[2]) >= 0) {
				buf_addc(&out, (char)(hexval(p[1]) << 4 |
				    hexval(p[2])));
				p += 2;
			} else
				buf_addc(&out, *p);
		}
		if (sec < 0)
			break;
	}
	if (!found) {
		buf_free(&out);
		return NULL;
	}
	return buf_steal(&out);
}

/* Both passes with SMTPUTF8 as given, in chunks (0: all at once). */
static void
run_hdr(const char *in, bool smtputf8, size_t chunk, struct buf *out,
    off_t *bound, bool *hdr8)
{
	struct reencode *re = reencode_new("multipart/mixed; boundary=b",
	    NULL, false);
	size_t len = strlen(in), step = chunk == 0 ? len : chunk;

	reencode_set_smtputf8(re, smtputf8);
	for (size_t i = 0; i < len; i += step)
		reencode_scan(re, in + i, len - i < step ? len - i : step);
	reencode_scan_end(re);
	*bound = reencode_size_bound(re);
	*hdr8 = reencode_headers_8bit(re);
	buf_init(out);
	for (size_t i = 0; i < len; i += step)
		reencode_feed(re, in + i, len - i < step ? len - i : step, out);
	reencode_finish(re, out);
	reencode_free(re);
}

static void
part_filename_and_description_become_7bit_and_decode_back(void)
{
	char *h, *b, *v, *name, *quoted;
	struct buf out;
	off_t bound;
	bool hdr8;

	run_hdr(part_headers_in, false, 0, &out, &bound, &hdr8);
	CHECK(wire_safe(&out, true));
	CHECK(!hdr8);
	CHECK((off_t)out.len <= bound);
	CHECK(nth_part(out.data, out.len, "b", 0, &h, &b));
	CHECK_STR(b, "JVBE");
	v = field_value(h, "Content-Description");
	name = rfc2047_decode(v);
	CHECK_STR(name, CAFE);
	free(name);
	free(v);
	v = field_value(h, "Content-Disposition");
	CHECK(strncmp(v, "attachment;", 11) == 0);
	CHECK(strstr(v, "size=3") != NULL);
	name = rfc2231_value(v, "filename");
	CHECK_STR(name, RESUME);
	free(name);
	free(v);
	/* Content-Type: name* for RFC 2231 readers, name="=?UTF-8?...?="
	 * for the others */
	v = field_value(h, "Content-Type");
	CHECK(strncmp(v, "application/pdf;", 16) == 0);
	name = rfc2231_value(v, "name");
	CHECK_STR(name, RESUME);
	free(name);
	quoted = strstr(v, "name=\"");
	CHECK(quoted != NULL);
	if (quoted != NULL) {
		quoted = xstrndup(quoted + 6, strcspn(quoted + 6, "\""));
		name = rfc2047_decode(quoted);
		CHECK_STR(name, RESUME);
		free(name);
		free(quoted);
	}
	free(v);
	free(h);
	free(b);
	buf_free(&out);
}

static void
unquoted_8bit_filename_token_is_encoded_too(void)
{
	const char *in = "--b\nContent-Disposition: attachment;\n"
	    " filename=" RESUME "\n\nx\n--b--\n";
	char *h, *b, *v, *name;
	struct buf out;
	off_t bound;
	bool hdr8;

	run_hdr(in, false, 0, &out, &bound, &hdr8);
	CHECK(wire_safe(&out, true));
	CHECK(!hdr8);
	CHECK(nth_part(out.data, out.len, "b", 0, &h, &b));
	v = field_value(h, "Content-Disposition");
	name = rfc2231_value(v, "filename");
	CHECK_STR(name, RESUME);
	free(name);
	free(v);
	free(h);
	free(b);
	buf_free(&out);
}

/* Header rewriting does not depend on the chunking either. */
static void
part_header_rewrite_is_chunking_invariant(void)
{
	size_t sizes[] = { 1, 2, 5, 13, 64 };
	struct buf whole, part;
	off_t bw, bp;
	bool hw, hp;

	run_hdr(part_headers_in, false, 0, &whole, &bw, &hw);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		run_hdr(part_headers_in, false, sizes[i], &part, &bp, &hp);
		CHECK_MEM(part.data, part.len, whole.data, whole.len);
		CHECK_INT(bp, bw);
		CHECK(hp == hw);
		buf_free(&part);
	}
	buf_free(&whole);
}

/* With SMTPUTF8 the fields go as written; the bound (from one scan)
 * holds for both forms. */
static void
smtputf8_keeps_part_headers_as_written(void)
{
	struct buf utf8, seven;
	off_t b8, b7;
	bool h8, h7;

	run_hdr(part_headers_in, true, 0, &utf8, &b8, &h8);
	run_hdr(part_headers_in, false, 0, &seven, &b7, &h7);
	CHECK(h8);
	CHECK(!h7);
	CHECK(b8 == b7);
	CHECK((off_t)utf8.len <= b8);
	CHECK((off_t)seven.len <= b7);
	CHECK(strstr(utf8.data, "Content-Description: " CAFE "\r\n") != NULL);
	CHECK(strstr(utf8.data, "filename=\"" RESUME "\"") != NULL);
	CHECK(wire_safe(&utf8, false));
	buf_free(&utf8);
	buf_free(&seven);
}

/* Where no encoding keeps the meaning, the field goes as it is and the
 * caller is told. */
static void
unencodable_8bit_field_is_kept_and_reported(void)
{
	const char *in = "--b\nContent-ID: <" CAFE "@example.org>\n"
	    "Content-Description: " CAFE "\n\nx\n--b--\n";
	struct buf out;
	off_t bound;
	bool hdr8;

	run_hdr(in, false, 0, &out, &bound, &hdr8);
	CHECK(hdr8);
	CHECK(strstr(out.data, "Content-ID: <" CAFE "@example.org>\r\n") !=
	    NULL);
	CHECK(strstr(out.data, "Content-Description: =?UTF-8?") != NULL);
	CHECK((off_t)out.len <= bound);
	buf_free(&out);
}

static void
eightbit_media_type_or_extended_value_is_kept(void)
{
	const char *in[] = {
		"--b\nContent-Type: text/" CAFE "\n\nx\n--b--\n",
		"--b\nContent-Disposition: attachment; "
		    "filename*=utf-8''" CAFE "\n\nx\n--b--\n",
		"--b\nContent-Type: text/plain (" CAFE ")\n\nx\n--b--\n",
	};
	struct buf out;
	off_t bound;
	bool hdr8;

	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		run_hdr(in[i], false, 0, &out, &bound, &hdr8);
		CHECK(hdr8);
		CHECK((off_t)out.len <= bound);
		buf_free(&out);
	}
}

static void
embedded_message_subject_and_from_are_encoded(void)
{
	const char *in = "--b\nContent-Type: message/rfc822\n\n"
	    "From: Ren\xc3\xa9 <rene@example.org>\n"
	    "Subject: " CAFE " au lait\n\nhi\n--b--\n";
	char *h, *b, *v, *dec;
	struct buf out;
	off_t bound;
	bool hdr8;

	run_hdr(in, false, 0, &out, &bound, &hdr8);
	CHECK(wire_safe(&out, true));
	CHECK(!hdr8);
	CHECK(nth_part(out.data, out.len, "b", 0, &h, &b));
	v = field_value(b, "Subject");
	dec = rfc2047_decode(v);
	CHECK_STR(dec, CAFE " au lait");
	free(dec);
	free(v);
	v = field_value(b, "From");
	CHECK(strstr(v, "<rene@example.org>") != NULL);
	dec = rfc2047_decode(v);
	CHECK(strstr(dec, "Ren\xc3\xa9") != NULL);
	free(dec);
	free(v);
	free(h);
	free(b);
	buf_free(&out);
}

/* A long 8-bit description: folded encoded words, lines well under 998,
 * and the text comes back whole. */
static void
long_8bit_description_is_folded(void)
{
	struct buf text, in, out;
	char *h, *b, *v, *dec;
	off_t bound;
	bool hdr8;

	buf_init(&text);
	for (int i = 0; i < 300; i++)
		buf_adds(&text, i % 10 == 9 ? "\xc3\xa9 " : "\xc3\xa9");
	buf_init(&in);
	buf_printf(&in, "--b\nContent-Description: %s\n\nx\n--b--\n",
	    text.data);
	run_hdr(in.data, false, 0, &out, &bound, &hdr8);
	CHECK(wire_safe(&out, true));
	CHECK((off_t)out.len <= bound);
	CHECK(nth_part(out.data, out.len, "b", 0, &h, &b));
	for (const char *p = h, *e; *p != '\0'; p = e + (*e != '\0' ? 2 : 0)) {
		e = strstr(p, "\r\n");
		if (e == NULL)
			e = p + strlen(p);
		CHECK(e - p <= 78);
	}
	v = field_value(h, "Content-Description");
	dec = rfc2047_decode(v);
	text.len--;	/* header_value keeps no trailing WSP... */
	text.data[text.len] = '\0';
	CHECK_STR(dec, text.data);
	free(dec);
	free(v);
	free(h);
	free(b);
	buf_free(&out);
	buf_free(&in);
	buf_free(&text);
}

/* One scan, then pass 2 for each kind of server: the same output as a
 * re-encoder made for that server, the bound and root field following. */
static void
restart_switches_server_without_a_new_scan(void)
{
	const char *in = "d\xc3\xa9j\xc3\xa0 vu\n";
	struct reencode *re = reencode_new("text/plain; charset=utf-8",
	    "8bit", true);
	struct buf out, fresh;
	off_t bound8, bound7, fresh_bound;
	const char *root;

	reencode_scan(re, in, strlen(in));
	reencode_scan_end(re);
	bound8 = reencode_size_bound(re);
	CHECK(reencode_root_cte(re) == NULL);
	for (int round = 0; round < 2; round++) {
		reencode_restart(re, false);
		CHECK_STR(reencode_root_cte(re), "quoted-printable");
		bound7 = reencode_size_bound(re);
		buf_init(&out);
		reencode_feed(re, in, strlen(in), &out);
		reencode_finish(re, &out);
		CHECK_STR(out.data, "d=C3=A9j=C3=A0 vu\r\n");
		CHECK((off_t)out.len <= bound7);
		run("text/plain; charset=utf-8", "8bit", false, in, strlen(in),
		    0, &fresh, &fresh_bound, &root);
		CHECK_STR(out.data, fresh.data);
		CHECK(bound7 == fresh_bound);
		CHECK_STR(root, "quoted-printable");
		buf_free(&fresh);
		buf_free(&out);
	}
	CHECK(bound7 > bound8);
	reencode_restart(re, true);
	CHECK(reencode_root_cte(re) == NULL);
	CHECK(reencode_size_bound(re) == bound8);
	buf_init(&out);
	reencode_feed(re, in, strlen(in), &out);
	reencode_finish(re, &out);
	CHECK_STR(out.data, "d\xc3\xa9j\xc3\xa0 vu\r\n");
	buf_free(&out);
	reencode_free(re);
}

static const struct test tests[] = {
	TEST(nested_parts_become_7bit_and_decode_to_original),
	TEST(eightbitmime_server_keeps_8bit_part_but_fixes_long_line),
	TEST(one_byte_chunks_give_the_same_output),
	TEST(boundary_split_across_chunks),
	TEST(clean_multipart_passes_unchanged_with_crlf),
	TEST(missing_end_boundary_still_reencodes_last_part),
	TEST(boundary_never_seen_makes_body_one_qp_text),
	TEST(existing_qp_part_with_long_line_gets_soft_breaks),
	TEST(existing_base64_part_with_long_line_is_rewrapped),
	TEST(eightbit_binary_part_becomes_base64_with_crlf),
	TEST(embedded_message_body_is_reencoded_inside),
	TEST(single_base64_body_with_long_line_is_rewrapped),
	TEST(parts_past_the_cap_are_reencoded_conservatively),
	TEST(part_filename_and_description_become_7bit_and_decode_back),
	TEST(unquoted_8bit_filename_token_is_encoded_too),
	TEST(part_header_rewrite_is_chunking_invariant),
	TEST(smtputf8_keeps_part_headers_as_written),
	TEST(unencodable_8bit_field_is_kept_and_reported),
	TEST(eightbit_media_type_or_extended_value_is_kept),
	TEST(embedded_message_subject_and_from_are_encoded),
	TEST(long_8bit_description_is_folded),
	TEST(restart_switches_server_without_a_new_scan),
};

CHECK_MAIN(tests)
