#!/bin/bash
# The shell completions offer what works and nothing twice: no sendmail
# flag that postie accepts and ignores; -N never repeats a word; bash
# without the bash-completion package completes file names with blanks as
# one word and values after "--opt=" (which bash splits at '=').  fish's
# completion is queried through fish itself; zsh's is syntax-checked and
# its -N function run with stand-ins for compset and compadd (a real
# completion needs an interactive shell).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
COMP=$top_srcdir/completions

# bash_complete WORD...: COMPREPLY for the last word, one per line, in a
# bash without bash-completion; the words as bash splits them.
bash_complete() {
	(cd "$T/files" && bash --norc --noprofile -c '
		. "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		_postie postie "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}"' sh "$COMP/postie" "$@")
}
mkdir -p "$T/files"
touch "$T/files/my report.pdf" "$T/files/my-notes.txt"
mkdir -p "$XDG_CONFIG_HOME/postie"
printf 'account work\nhost h\nfrom a@example.com\naccount home\nhost h\n' > "$XDG_CONFIG_HOME/postie/config"

# Ignored sendmail flags are not offered; meaningful ones are.
out=$(bash_complete postie -)
for f in -t -i -oi -f -bv -q --account= --dry-run; do
	grep -qx -- "$f" <<<"$out" || fail "bash: '-' does not offer $f"
done
for f in -oem -odi -om -o7 -U -G -L -Am -h -n -m -x -c -O -e -p; do
	! grep -qx -- "$f" <<<"$out" || fail "bash: offers the ignored flag $f"
done

# A file name with a blank is one candidate.
out=$(bash_complete postie -a my)
grep -qx "my report.pdf" <<<"$out" || fail "bash: -a my gives: $out"
[ "$(wc -l <<<"$out")" = 2 ] || fail "bash: -a my gives $(wc -l <<<"$out") lines: $out"
out=$(bash_complete postie -a 'my\ r')
[ "$out" = "my report.pdf" ] || fail "bash: -a 'my\\ r' gives: $out"

# --opt=: bash hands "--account" "=" "wo" (or "--account" "=").
out=$(bash_complete postie --account = wo)
[ "$out" = work ] || fail "bash: --account=wo gives: $out"
out=$(bash_complete postie --account =)
[ "$(sort <<<"$out" | tr '\n' ' ')" = "home work " ] || fail "bash: --account= gives: $out"
out=$(bash_complete postie --attach = my-)
[ "$out" = my-notes.txt ] || fail "bash: --attach=my- gives: $out"

# -N: each word once, never only alone.
out=$(bash_complete postie -N success,)
[ "$(sort <<<"$out" | tr '\n' ' ')" = "success,delay success,failure " ] ||
	fail "bash: -N success, gives: $out"
out=$(bash_complete postie -N success,delay,)
[ "$out" = success,delay,failure ] || fail "bash: -N success,delay, gives: $out"

# --dkim-keygen and its options.
out=$(bash_complete postie --dk)
[ "$out" = --dkim-keygen ] || fail "bash: --dk gives: $out"
out=$(bash_complete postie --dkim-keygen --type e)
[ "$out" = ed25519 ] || fail "bash: --type e gives: $out"
out=$(bash_complete postie --dkim-keygen --key-file my-)
[ "$out" = my-notes.txt ] || fail "bash: --key-file my- gives: $out"

if command -v zsh >/dev/null; then
	zsh -n "$COMP/_postie" || fail "zsh: syntax error"
	# -N's function, with compset and compadd stood in for (they only
	# exist inside a completion widget).
	out=$(zsh -f -c '
		compset() { [[ $PREFIX == *,* ]] || return 1
			IPREFIX+=${PREFIX%,*},; PREFIX=${PREFIX##*,}; }
		compadd() { while [[ $1 == -* && $1 != -- ]]; do
				[[ $1 == -S ]] && shift; shift; done
			[[ $1 == -- ]] && shift; print -r -- "$*"; }
		eval "$(sed -n "/^_postie_notify()/,/^}/p" "$1")"
		for p in "" success, success,delay, -Nfailure,; do
			IPREFIX= PREFIX=$p
			[[ $p == -N* ]] && { IPREFIX=-N; PREFIX=${p#-N}; }
			print -r -- "[$p] ${(j:/:)${(f)"$(_postie_notify)"}}"
		done' zsh "$COMP/_postie")
	[ "$out" = "$(printf '%s\n' '[] success failure delay/never' \
	    '[success,] failure delay' '[success,delay,] failure' \
	    '[-Nfailure,] success delay')" ] || fail "zsh: -N offers: $out"
fi
! grep -q -- "{-oem\|'-U\[\|'-L+\[" "$COMP/_postie" || fail "zsh: offers ignored flags"
command -v fish >/dev/null || skip "fish is not installed (bash and zsh checked)"
fish_complete() {
	fish --no-config -c "source '$COMP/postie.fish'; complete -C '$1'" | cut -f1
}
out=$(fish_complete 'postie -N success,')
[ "$(sort <<<"$out" | tr '\n' ' ')" = "success,delay success,failure " ] ||
	fail "fish: -N success, gives: $out"
out=$(fish_complete 'postie -o')
! grep -q -- "-oem\|-odi\|-om" <<<"$out" || fail "fish: offers ignored flags: $out"
grep -qx -- "-oi" <<<"$out" || fail "fish: -o does not offer -oi: $out"
out=$(fish_complete 'postie --dkim-keygen --type ')
[ "$(sort <<<"$out" | tr '\n' ' ')" = "ed25519 rsa " ] || fail "fish: --type gives: $out"
exit 0
