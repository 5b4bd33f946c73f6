#!/usr/bin/env bash
# Build every tests/fuzz/fuzz_*.c with clang's libFuzzer (+ASan/UBSan)
# against all of src/ but the two mains (main.c, drop_main.c: the drop
# helper's), and run each for a bounded time.
#   tests/fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]
# Exits non-zero when a target fails to build or finds a crash.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
secs=${1:-20}; shift || true
out=${FUZZ_OUT:-$(mktemp -d /tmp/postie-fuzz.XXXXXX)}
mkdir -p "$out"
cflags="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -D_GNU_SOURCE -I$top/src"
cflags="$cflags $(pkg-config --cflags gnutls gnutls-dane libidn2)"
libs="$(pkg-config --libs gnutls-dane gnutls libidn2) -lmagic -lresolv"
# Fuzz the same build CI ships: with GNU SASL when it is installed.
if pkg-config --exists libgsasl; then
	cflags="$cflags -DHAVE_GSASL=1 $(pkg-config --cflags libgsasl)"
	libs="$libs $(pkg-config --libs libgsasl)"
fi
# ... and with OAuth 2.0 when libcurl and jansson are installed.
if pkg-config --exists libcurl jansson; then
	cflags="$cflags -DHAVE_OAUTH2=1 $(pkg-config --cflags libcurl jansson)"
	libs="$libs $(pkg-config --libs libcurl jansson)"
fi
srcs=$(ls "$top"/src/*.c | grep -v -e '/main\.c$' -e '/drop_main\.c$')
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=($(cd "$here" && ls fuzz_*.c 2>/dev/null | sed 's/\.c$//'))
# src/ is compiled once (instrumented, without libFuzzer's main) into an
# archive every target links, not once per target.
objdir=$out/obj
rm -rf "$objdir" && mkdir -p "$objdir"
objflags=${cflags/-fsanitize=fuzzer,/-fsanitize=fuzzer-no-link,}
export objflags objdir
if ! printf '%s\n' $srcs | xargs -P "${JOBS:-2}" -I{} sh -c \
    'clang $objflags -c -o "$objdir/$(basename "$1" .c).o" "$1"' sh {} ||
    ! ar rcs "$out/libpostie-fuzz.a" "$objdir"/*.o; then
	echo "FAIL: src/ does not build for fuzzing"
	echo "fuzz: 0 passed, ${#targets[@]} failed"
	exit 1
fi
passed=0; failed=0
for t in "${targets[@]}"; do
	echo "== $t"
	if ! clang $cflags -o "$out/$t" "$here/$t.c" "$out/libpostie-fuzz.a" \
	    $libs; then
		echo "FAIL: $t does not build"; failed=$((failed + 1)); continue
	fi
	mkdir -p "$out/$t.corpus"
	seeds="$here/corpus/${t#fuzz_}"
	[ -d "$seeds" ] || seeds=
	# Dictionaries: the words the input format is made of.
	case $t in
	fuzz_message|fuzz_mime|fuzz_header|fuzz_reencode|fuzz_address|\
	fuzz_dkim_canon|fuzz_encode|fuzz_queue)
		dict=-dict=$here/dict/mail.dict ;;
	fuzz_reply|fuzz_smtpd|fuzz_sasl)
		dict=-dict=$here/dict/smtp.dict ;;
	*)	dict= ;;
	esac
	if (cd "$out" && "./$t" -max_total_time="$secs" -max_len=65536 \
	    -print_final_stats=0 $dict "$out/$t.corpus" $seeds \
	    2>"$out/$t.log"); then
		passed=$((passed + 1)); tail -1 "$out/$t.log"
	else
		echo "FAIL: $t found a crash; see $out/$t.log"; tail -30 "$out/$t.log"
		failed=$((failed + 1))
	fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
