/* test_encode.c — base64, quoted-printable, RFC 2047 and RFC 2231. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "encode.h"

static const char czech[] = "P\xc5\x99\xc3\xadli\xc5\xa1 \xc5\xbelu\xc5\xa5"
    "ou\xc4\x8dk\xc3\xbd k\xc5\xaf\xc5\x88 \xc3\xba""p\xc4\x9bl "
    "\xc4\x8f\xc3\xa1""belsk\xc3\xa9 \xc3\xb3""dy";
static const char japanese[] = "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81"
    "\xae\xe3\x83\x86\xe3\x82\xad\xe3\x82\xb9\xe3\x83\x88\xe3\x80\x81\xe9\x95"
    "\xb7\xe3\x81\x84\xe4\xbb\xb6\xe5\x90\x8d\xe3\x81\xae\xe3\x83\x86\xe3\x82"
    "\xb9\xe3\x83\x88";
static const char emoji[] = "Report \xf0\x9f\x93\x88 ready";

/* An empty buffer that already has storage, so that comparing it with
 * memcmp never passes a NULL pointer. */
static void
bufz(struct buf *b)
{
	buf_init(b);
	buf_add(b, "", 0);
}

/* A small deterministic generator, so a failure reproduces. */
static uint32_t rng_state = 12345;

static uint32_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

/* Random bytes, biased toward what the QP encoder treats specially. */
static void
random_text(unsigned char *p, size_t n)
{
	static const char special[] = " \t\r\n.=F";

	for (size_t i = 0; i < n; i++) {
		uint32_t r = rng();

		if (r % 4 == 0)
			p[i] = (unsigned char)special[(r >> 8) % 7];
		else if (r % 4 == 1)
			p[i] = (unsigned char)(r >> 8);
		else
			p[i] = (unsigned char)('a' + (r >> 8) % 26);
	}
}

static bool
valid_utf8(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i < n;) {
		size_t k = p[i] < 0x80 ? 1 : (p[i] & 0xe0) == 0xc0 ? 2 :
		    (p[i] & 0xf0) == 0xe0 ? 3 : (p[i] & 0xf8) == 0xf0 ? 4 : 0;

		if (k == 0 || i + k > n)
			return false;
		for (size_t j = 1; j < k; j++)
			if ((p[i + j] & 0xc0) != 0x80)
				return false;
		i += k;
	}
	return true;
}

/* The longest line of s (lines end in "\n" or "\r\n"; CR not counted). */
static size_t
longest_line(const char *s, size_t n)
{
	size_t max = 0, col = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n') {
			col = 0;
		} else if (s[i] != '\r' || i + 1 >= n || s[i + 1] != '\n') {
			if (++col > max)
				max = col;
		}
	}
	return max;
}

/* True when every '\n' in s is preceded by '\r' and s ends in CRLF. */
static bool
all_crlf(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r'))
			return false;
	return n == 0 || (n >= 2 && s[n - 2] == '\r' && s[n - 1] == '\n');
}

/* ---------------------------------------------------------------- base64 */

static const char *const rfc4648[][2] = {
	{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
	{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" },
	{ "foobar", "Zm9vYmFy" },
};

static void
b64_plain_matches_rfc4648_vectors(void)
{
	for (size_t i = 0; i < sizeof(rfc4648) / sizeof(rfc4648[0]); i++) {
		char *got = b64_encode_plain(rfc4648[i][0],
		    strlen(rfc4648[i][0]));

		CHECK_STR(got, rfc4648[i][1]);
		free(got);
	}
}

static void
b64_decode_plain_matches_rfc4648_vectors(void)
{
	for (size_t i = 0; i < sizeof(rfc4648) / sizeof(rfc4648[0]); i++) {
		struct buf b;

		bufz(&b);
		CHECK_INT(b64_decode_plain(rfc4648[i][1],
		    strlen(rfc4648[i][1]), &b), 0);
		CHECK_MEM(b.data, b.len, rfc4648[i][0], strlen(rfc4648[i][0]));
		buf_free(&b);
	}
}

static void
b64_decode_plain_rejects_malformed(void)
{
	static const char *const bad[] = {
		"Zg=", "Zm9v!A==", "Z===", "Zg==Zg==", "Zm 9v", "=Zm9",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct buf b;

		bufz(&b);
		CHECK_INT(b64_decode_plain(bad[i], strlen(bad[i]), &b), -1);
		buf_free(&b);
	}
}

static char *
b64_stream(const unsigned char *p, size_t n, size_t step, size_t *len)
{
	struct b64 s;
	struct buf out;

	b64_init(&s);
	bufz(&out);
	for (size_t i = 0; i < n; i += step)
		b64_encode(&s, p + i, n - i < step ? n - i : step, &out);
	b64_finish(&s, &out);
	*len = out.len;
	return buf_steal(&out);
}

static void
b64_57_bytes_make_one_76_column_line(void)
{
	unsigned char in[57];
	size_t len;
	char *got;

	memset(in, 0xff, sizeof(in));
	got = b64_stream(in, sizeof(in), sizeof(in), &len);
	CHECK_INT(len, 78);
	CHECK_INT(strspn(got, "/"), 76);
	CHECK_STR(got + 76, "\r\n");
	free(got);
}

static void
b64_stream_lines_are_76_columns_and_decode_back(void)
{
	unsigned char in[1000];
	struct buf dec, joined;
	size_t len;
	char *got;

	random_text(in, sizeof(in));
	got = b64_stream(in, sizeof(in), 333, &len);
	CHECK(all_crlf(got, len));
	CHECK_INT(longest_line(got, len), 76);
	/* Every line but the last is exactly 76 characters. */
	for (size_t i = 0; i + 78 < len; i += 78)
		CHECK(got[i + 76] == '\r' && got[i + 77] == '\n');
	bufz(&joined);
	for (size_t i = 0; i < len; i++)
		if (got[i] != '\r' && got[i] != '\n')
			buf_addc(&joined, got[i]);
	bufz(&dec);
	CHECK_INT(b64_decode_plain(joined.data, joined.len, &dec), 0);
	CHECK_MEM(dec.data, dec.len, in, sizeof(in));
	buf_free(&dec);
	buf_free(&joined);
	free(got);
}

static void
b64_byte_at_a_time_equals_one_call(void)
{
	unsigned char in[5000];

	random_text(in, sizeof(in));
	for (size_t n = 0; n < 200; n += 7) {
		size_t l1, l2, l3;
		char *one = b64_stream(in, n * 25, n * 25 + 1, &l1);
		char *bytes = b64_stream(in, n * 25, 1, &l2);
		char *odd = b64_stream(in, n * 25, 1 + n % 61, &l3);

		CHECK_MEM(bytes, l2, one, l1);
		CHECK_MEM(odd, l3, one, l1);
		free(one);
		free(bytes);
		free(odd);
	}
}

static void
b64_empty_input_gives_no_output(void)
{
	size_t len;
	char *got = b64_stream((const unsigned char *)"", 0, 1, &len);

	CHECK_INT(len, 0);
	free(got);
}

static void
b64_encoded_max_bounds_streamed_output(void)
{
	unsigned char in[400];

	random_text(in, sizeof(in));
	for (size_t n = 0; n <= sizeof(in); n++) {
		struct b64 s;
		struct buf out;

		/* Two bytes already pending: the worst case for one call. */
		b64_init(&s);
		bufz(&out);
		b64_encode(&s, "ab", 2, &out);
		buf_reset(&out);
		b64_encode(&s, in, n, &out);
		b64_finish(&s, &out);
		CHECK(out.len <= b64_encoded_max(n));
		buf_free(&out);
	}
}

/* ------------------------------------------------------ quoted-printable */

static char *
qp_stream(const void *in, size_t n, bool binary, size_t step, size_t *len)
{
	const unsigned char *p = in;
	struct qp s;
	struct buf out;

	qp_init(&s, binary);
	bufz(&out);
	for (size_t i = 0; i < n;) {
		size_t k = step ? step : 1 + rng() % 97;

		if (k > n - i)
			k = n - i;
		qp_encode(&s, p + i, k, &out);
		i += k;
	}
	qp_finish(&s, &out);
	*len = out.len;
	return buf_steal(&out);
}

static void
check_qp(const char *in, bool binary, const char *want)
{
	size_t len;
	char *got = qp_stream(in, strlen(in), binary, 1000, &len);

	CHECK_STR(got, want);
	free(got);
}

static void
qp_encodes_equals_and_nonprintables(void)
{
	check_qp("a=b\x01\xc3\xa9\x7f\n", false, "a=3Db=01=C3=A9=7F\r\n");
}

static void
qp_text_line_ends_become_crlf(void)
{
	check_qp("one\ntwo\r\nthree\r\n", false, "one\r\ntwo\r\nthree\r\n");
	check_qp("lone\rcr\n", false, "lone=0Dcr\r\n");
}

static void
qp_unterminated_last_line_ends_in_soft_break(void)
{
	check_qp("hello", false, "hello=\r\n");
	check_qp("", false, "");
}

static void
qp_trailing_white_space_before_line_end_is_encoded(void)
{
	check_qp("a \nb\t\r\nc  d\n", false, "a=20\r\nb=09\r\nc  d\r\n");
}

static void
qp_long_line_gets_soft_break_at_76(void)
{
	char in[102], want[120];

	memset(in, 'a', 100);
	strcpy(in + 100, "\n");
	memset(want, 'a', 75);
	strcpy(want + 75, "=\r\n");
	memset(want + 78, 'a', 25);
	strcpy(want + 103, "\r\n");
	check_qp(in, false, want);
}

static void
qp_line_of_exactly_76_has_no_soft_break(void)
{
	char in[78], want[80];

	memset(in, 'x', 76);
	strcpy(in + 76, "\n");
	memset(want, 'x', 76);
	strcpy(want + 76, "\r\n");
	check_qp(in, false, want);
}

static void
qp_soft_break_never_splits_an_escape(void)
{
	char in[80], *got;
	size_t len;

	memset(in, 'a', 74);
	strcpy(in + 74, "\xe9\xe9\n");
	got = qp_stream(in, strlen(in), false, 1000, &len);
	CHECK_STR(got, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaa=\r\n=E9=E9\r\n");
	free(got);
}

static void
qp_dot_at_line_start_is_encoded(void)
{
	check_qp(".\n..x\na.b\n", false, "=2E\r\n=2E.x\r\na.b\r\n");
}

static void
qp_from_at_line_start_is_encoded(void)
{
	check_qp("From me\nFromage\nsaid From x\n", false,
	    "=46rom me\r\nFromage\r\nsaid From x\r\n");
}

static void
qp_binary_mode_encodes_cr_and_lf(void)
{
	check_qp("a\r\nb\n", true, "a=0D=0Ab=0A=\r\n");
}

static void
qp_decode_handles_soft_breaks_and_lowercase_hex(void)
{
	static const char in[] = "caf=c3=a9 =\r\nau lait=  \nx\r\n";
	struct buf b;

	bufz(&b);
	CHECK_INT(qp_decode(in, strlen(in), &b), 0);
	CHECK_STR(b.data, "caf\xc3\xa9 au laitx\r\n");
	buf_free(&b);
}

static void
qp_decode_drops_transport_trailing_space(void)
{
	static const char in[] = "abc  \r\ndef=20 \r\n";
	struct buf b;

	bufz(&b);
	CHECK_INT(qp_decode(in, strlen(in), &b), 0);
	CHECK_STR(b.data, "abc\r\ndef \r\n");
	buf_free(&b);
}

static void
qp_decode_rejects_bad_escape(void)
{
	struct buf b;

	bufz(&b);
	CHECK_INT(qp_decode("a=G1", 4, &b), -1);
	CHECK_INT(qp_decode("a=1x b", 6, &b), -1);
	buf_free(&b);
}

/* Text mode turns LF into CRLF; nothing else changes. */
static void
crlf_normalize(const unsigned char *in, size_t n, struct buf *out)
{
	for (size_t i = 0; i < n; i++) {
		if (in[i] == '\n' && (i == 0 || in[i - 1] != '\r'))
			buf_addc(out, '\r');
		buf_addc(out, (char)in[i]);
	}
}

static void
qp_random_round_trips_at_random_splits(void)
{
	unsigned char in[3000];

	for (int round = 0; round < 200; round++) {
		size_t n = rng() % sizeof(in), l1, l2;

		random_text(in, n);
		for (int binary = 0; binary < 2; binary++) {
			char *whole = qp_stream(in, n, binary, n + 1, &l1);
			char *split = qp_stream(in, n, binary, 0, &l2);
			struct buf dec, want;

			CHECK_MEM(split, l2, whole, l1);
			CHECK(longest_line(whole, l1) <= 76);
			CHECK(all_crlf(whole, l1));
			bufz(&dec);
			bufz(&want);
			if (binary)
				buf_add(&want, in, n);
			else
				crlf_normalize(in, n, &want);
			CHECK_INT(qp_decode(whole, l1, &dec), 0);
			CHECK_MEM(dec.data, dec.len, want.data, want.len);
			/* No line starts with '.' or "From ". */
			for (size_t i = 0; i < l1; i++)
				if (i == 0 || whole[i - 1] == '\n')
					CHECK(whole[i] != '.' &&
					    strncmp(whole + i, "From ", 5) != 0);
			buf_free(&dec);
			buf_free(&want);
			free(whole);
			free(split);
		}
	}
}

/* -------------------------------------------------------------- RFC 2047 */

static void
rfc2047_ascii_comes_back_unchanged(void)
{
	static const char *const in[] = {
		"Nightly report", "", "  spaced  out  ",
		("a long ASCII subject line that goes on and on past the "
		    "seventy-eight column limit of a header line"),
	};

	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		char *got = rfc2047_encode(in[i], 9);

		CHECK_STR(got, in[i]);
		free(got);
	}
}

static void
rfc2047_decodes_rfc_examples(void)
{
	static const char *const ex[][2] = {
		{ "=?US-ASCII?Q?Keith_Moore?= <moore@cs.utk.edu>",
		  "Keith Moore <moore@cs.utk.edu>" },
		{ "=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?= <keld@dkuug.dk>",
		  "Keld J\xc3\xb8rn Simonsen <keld@dkuug.dk>" },
		{ "=?ISO-8859-1?Q?Andr=E9?= Pirard <PIRARD@vm1.ulg.ac.be>",
		  "Andr\xc3\xa9 Pirard <PIRARD@vm1.ulg.ac.be>" },
		{ "=?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?=\r\n"
		  "    =?ISO-8859-2?B?dSB1bmRlcnN0YW5kIHRoZSBleGFtcGxlLg==?=",
		  "If you can read this you understand the example." },
		{ "(=?ISO-8859-1?Q?a?=)", "(a)" },
		{ "(=?ISO-8859-1?Q?a?= b)", "(a b)" },
		{ "(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)", "(ab)" },
		{ "(=?ISO-8859-1?Q?a?=  =?ISO-8859-1?Q?b?=)", "(ab)" },
		{ "(=?ISO-8859-1?Q?a?=\r\n    =?ISO-8859-1?Q?b?=)", "(ab)" },
		{ "(=?ISO-8859-1?Q?a_b?=)", "(a b)" },
		{ "(=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=)", "(a b)" },
		{ "=?utf-8?q?not closed", "=?utf-8?q?not closed" },
		{ "=?utf-8?x?bad?=", "=?utf-8?x?bad?=" },
	};

	for (size_t i = 0; i < sizeof(ex) / sizeof(ex[0]); i++) {
		char *got = rfc2047_decode(ex[i][0]);

		CHECK_STR(got, ex[i][1]);
		free(got);
	}
}

/* Every encoded word is at most 75 characters and decodes, on its own,
 * to whole UTF-8 characters. */
static void
check_words(const char *enc)
{
	const char *p = enc;

	while ((p = strstr(p, "=?")) != NULL) {
		const char *q = strchr(p + 2, '?');
		const char *end;
		char *word, *dec;

		CHECK(q != NULL);
		if (q == NULL)
			return;
		end = strstr(q + 3, "?=");
		CHECK(end != NULL);
		if (end == NULL)
			return;
		end += 2;
		CHECK((size_t)(end - p) <= 75);
		word = xstrndup(p, (size_t)(end - p));
		dec = rfc2047_decode(word);
		CHECK(strcmp(dec, word) != 0);
		CHECK(valid_utf8(dec, strlen(dec)));
		free(word);
		free(dec);
		p = end;
	}
}

static void
check_2047_round_trip(const char *in, size_t prefix)
{
	char *enc = rfc2047_encode(in, prefix);
	char *dec = rfc2047_decode(enc);
	struct buf line;

	bufz(&line);
	for (size_t i = 0; i < prefix; i++)	/* "Subject: " and more */
		buf_addc(&line, 'x');
	buf_adds(&line, enc);
	CHECK(strcmp(enc, in) != 0);
	CHECK(longest_line(line.data, line.len) < 78);
	for (const char *p = enc; *p != '\0'; p++)
		CHECK((unsigned char)*p < 0x80 && *p != '\r');
	check_words(enc);
	CHECK_STR(dec, in);
	buf_free(&line);
	free(enc);
	free(dec);
}

static void
rfc2047_czech_round_trips(void)
{
	check_2047_round_trip(czech, 9);
	check_2047_round_trip(czech, 0);
}

static void
rfc2047_japanese_round_trips(void)
{
	char *enc = rfc2047_encode(japanese, 9);

	CHECK(strstr(enc, "?B?") != NULL);	/* mostly 8-bit: B */
	check_2047_round_trip(japanese, 9);
	free(enc);
}

static void
rfc2047_emoji_keeps_ascii_words_readable(void)
{
	char *enc = rfc2047_encode(emoji, 9);

	CHECK_STR(enc, "Report =?UTF-8?B?8J+TiA==?= ready");
	check_2047_round_trip(emoji, 9);
	free(enc);
}

static void
rfc2047_mostly_ascii_uses_q(void)
{
	char *enc = rfc2047_encode("Caf\xc3\xa9 menu", 9);

	CHECK_STR(enc, "=?UTF-8?Q?Caf=C3=A9?= menu");
	free(enc);
}

static void
rfc2047_long_text_folds_and_never_splits_characters(void)
{
	struct buf in;

	bufz(&in);
	for (int i = 0; i < 12; i++)
		buf_adds(&in, "\xc3\xa9t\xc3\xa9 \xf0\x9f\x93\x88\xe6\x97\xa5 ");
	buf_adds(&in, "and then a plain tail of words that must fold too");
	check_2047_round_trip(in.data, 9);
	check_2047_round_trip(in.data, 40);
	buf_free(&in);
}

static void
rfc2047_encodes_text_that_looks_encoded(void)
{
	check_2047_round_trip("price =?x?Q?y?= now", 9);
	check_2047_round_trip("tab\there and a\nnewline", 9);
}

/* -------------------------------------------------------------- RFC 2231 */

static int
pct_value(char c)
{
	return c >= '0' && c <= '9' ? c - '0' :
	    c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Reassemble parameter name from "; name*N*=..." sections (or name*= or
 * name="..."), the way an RFC 2231 reader does. */
static char *
param_value(const char *s, const char *name)
{
	struct buf v;
	char key[64];
	const char *p;

	bufz(&v);
	for (int sec = -1; sec < 100; sec++) {
		bool ext = true;

		snprintf(key, sizeof(key), sec < 0 ? "\n %s*=" : "\n %s*%d*=",
		    name, sec);
		if ((p = strstr(s, key)) == NULL) {
			ext = false;
			snprintf(key, sizeof(key), "\n %s*%d=\"", name, sec);
			if (sec < 0 || (p = strstr(s, key)) == NULL) {
				if (sec >= 0)
					break;
				continue;
			}
		}
		p += strlen(key);
		if (ext && sec <= 0 && strncmp(p, "utf-8''", 7) == 0)
			p += 7;
		for (; *p != '\0' && *p != ';' && *p != '"'; p++) {
			if (*p == '\\' && !ext)
				p++;
			if (*p == '%' && ext) {
				buf_addc(&v, (char)(pct_value(p[1]) << 4 |
				    pct_value(p[2])));
				p += 2;
			} else
				buf_addc(&v, *p);
		}
		if (sec < 0)
			break;
	}
	return buf_steal(&v);
}

static void
rfc2231_ascii_is_a_quoted_string(void)
{
	struct buf b;

	bufz(&b);
	rfc2231_param(&b, "filename", "report.pdf", true);
	CHECK_STR(b.data, ";\n filename=\"report.pdf\"");
	buf_reset(&b);
	rfc2231_param(&b, "filename", "say \"hi\\\".txt", false);
	CHECK_STR(b.data, ";\n filename=\"say \\\"hi\\\\\\\".txt\"");
	buf_free(&b);
}

static void
rfc2231_short_utf8_is_one_extended_value(void)
{
	struct buf b;

	bufz(&b);
	rfc2231_param(&b, "filename", "r\xc3\xa9sum\xc3\xa9 (v2).pdf", false);
	CHECK_STR(b.data,
	    ";\n filename*=utf-8''r%C3%A9sum%C3%A9%20%28v2%29.pdf");
	buf_free(&b);
}

static void
rfc2231_percent_encodes_non_attribute_chars(void)
{
	struct buf b;

	bufz(&b);
	rfc2231_param(&b, "name", "\xc3\xa9*'%;\"=?.txt", false);
	CHECK_STR(b.data, ";\n name*=utf-8''%C3%A9%2A%27%25%3B%22%3D%3F.txt");
	buf_free(&b);
}

static void
check_2231(const char *value, bool fallback)
{
	struct buf b;
	char *got, *line, *fb;

	bufz(&b);
	rfc2231_param(&b, "filename", value, fallback);
	CHECK(strncmp(b.data, ";\n ", 3) == 0);
	CHECK(longest_line(b.data, b.len) < 78);
	got = param_value(b.data, "filename");
	CHECK_STR(got, value);
	/* Each extended section decodes, on its own, to whole characters. */
	for (line = strstr(b.data, "*="); line != NULL;
	    line = strstr(line + 2, "*=")) {
		struct buf one;

		bufz(&one);
		for (const char *p = line + 2; *p != '\0' && *p != ';'; p++) {
			if (*p == '%') {
				buf_addc(&one, (char)(pct_value(p[1]) << 4 |
				    pct_value(p[2])));
				p += 2;
			} else if (*p != '\'')
				buf_addc(&one, *p);
		}
		CHECK(valid_utf8(one.data, one.len));
		buf_free(&one);
	}
	fb = strstr(b.data, "\n filename=\"");
	CHECK((fb != NULL) == fallback);
	if (fb != NULL) {
		char *end = strchr(fb + 12, '"');
		char *dec;

		CHECK(end != NULL);
		*end = '\0';
		dec = rfc2047_decode(fb + 12);
		CHECK_STR(dec, value);
		check_words(fb + 12);
		free(dec);
	}
	free(got);
	buf_free(&b);
}

static void
rfc2231_long_value_uses_continuations(void)
{
	struct buf v, b;

	bufz(&v);
	buf_adds(&v, czech);
	buf_adds(&v, " - ");
	buf_adds(&v, japanese);
	buf_adds(&v, ".pdf");
	check_2231(v.data, false);
	check_2231(v.data, true);
	check_2231(czech, true);
	/* RFC 2231 §3 shape: name*0*=charset''...; name*1*=... */
	bufz(&b);
	rfc2231_param(&b, "filename", v.data, false);
	CHECK(strncmp(b.data, ";\n filename*0*=utf-8''P%C5%99", 29) == 0);
	CHECK(strstr(b.data, ";\n filename*1*=") != NULL);
	CHECK(strstr(b.data, "*1*=utf-8") == NULL);
	buf_free(&b);
	buf_free(&v);
}

static void
rfc2231_long_ascii_uses_quoted_sections(void)
{
	static const char url[] = "ftp://cs.utk.edu/pub/moore/bulk-mailer/"
	    "bulk-mailer.tar/and/a/much/longer/path/than/fits/on/one/line.tar";
	struct buf b;

	bufz(&b);
	rfc2231_param(&b, "URL", url, false);
	CHECK(strncmp(b.data, ";\n URL*0=\"ftp://", 16) == 0);
	CHECK(strstr(b.data, "\";\n URL*1=\"") != NULL);
	buf_free(&b);
	check_2231(url, false);
	check_2231(url, true);
}

/* Around the one-line limit the single form and the sections meet: no
 * length may lose the tail of the value (found by fuzz_encode). */
static void
rfc2231_every_length_round_trips(void)
{
	struct buf v;

	bufz(&v);
	buf_adds(&v, "\xc3\xa9");
	for (int i = 0; i < 90; i++) {
		check_2231(v.data, false);
		buf_addc(&v, i % 7 == 0 ? ' ' : 'a');
	}
	buf_free(&v);
}

static const struct test tests[] = {
	TEST(b64_plain_matches_rfc4648_vectors),
	TEST(b64_decode_plain_matches_rfc4648_vectors),
	TEST(b64_decode_plain_rejects_malformed),
	TEST(b64_57_bytes_make_one_76_column_line),
	TEST(b64_stream_lines_are_76_columns_and_decode_back),
	TEST(b64_byte_at_a_time_equals_one_call),
	TEST(b64_empty_input_gives_no_output),
	TEST(b64_encoded_max_bounds_streamed_output),
	TEST(qp_encodes_equals_and_nonprintables),
	TEST(qp_text_line_ends_become_crlf),
	TEST(qp_unterminated_last_line_ends_in_soft_break),
	TEST(qp_trailing_white_space_before_line_end_is_encoded),
	TEST(qp_long_line_gets_soft_break_at_76),
	TEST(qp_line_of_exactly_76_has_no_soft_break),
	TEST(qp_soft_break_never_splits_an_escape),
	TEST(qp_dot_at_line_start_is_encoded),
	TEST(qp_from_at_line_start_is_encoded),
	TEST(qp_binary_mode_encodes_cr_and_lf),
	TEST(qp_decode_handles_soft_breaks_and_lowercase_hex),
	TEST(qp_decode_drops_transport_trailing_space),
	TEST(qp_decode_rejects_bad_escape),
	TEST(qp_random_round_trips_at_random_splits),
	TEST(rfc2047_ascii_comes_back_unchanged),
	TEST(rfc2047_decodes_rfc_examples),
	TEST(rfc2047_czech_round_trips),
	TEST(rfc2047_japanese_round_trips),
	TEST(rfc2047_emoji_keeps_ascii_words_readable),
	TEST(rfc2047_mostly_ascii_uses_q),
	TEST(rfc2047_long_text_folds_and_never_splits_characters),
	TEST(rfc2047_encodes_text_that_looks_encoded),
	TEST(rfc2231_ascii_is_a_quoted_string),
	TEST(rfc2231_short_utf8_is_one_extended_value),
	TEST(rfc2231_percent_encodes_non_attribute_chars),
	TEST(rfc2231_long_value_uses_continuations),
	TEST(rfc2231_long_ascii_uses_quoted_sections),
	TEST(rfc2231_every_length_round_trips),
};

CHECK_MAIN(tests)
