# fish completion for postie(1)
# SPDX-License-Identifier: GPL-3.0-or-later

# The configuration files postie would read, in its search order; with -C
# on the command line, only that file.
function __postie_config_files
    set -l tokens (commandline -opc)
    for i in (seq (count $tokens))
        switch $tokens[$i]
            case -C
                set -l next (math $i + 1)
                if test $next -le (count $tokens)
                    echo $tokens[$next]
                    return
                end
            case '-C?*'
                string sub -s 3 -- $tokens[$i]
                return
        end
    end
    set -l conf $HOME/.config
    set -q XDG_CONFIG_HOME; and set conf $XDG_CONFIG_HOME
    printf '%s\n' $conf/postie/config ~/.postierc ~/.msmtprc \
        $conf/msmtp/config /etc/postie.conf /etc/msmtprc
end

# Values of one key ("account" or "from") in the first readable file.
function __postie_config_values -a key
    for f in (__postie_config_files)
        test -r $f; or continue
        string match -r -g '^\s*'$key'\s+([^\s:]+)' <$f
        return
    end
end

# -N: never, or a comma list of success, failure and delay, each word
# once (never only alone).
function __postie_notify
    set -l tok (string replace -r -- '^-N' '' (commandline -ct))
    set -l done (string split , -- $tok)
    set -e done[-1]
    if test (count $done) -eq 0
        printf '%s\n' never success failure delay
        return
    end
    contains -- never $done; and return
    set -l prefix (string join , -- $done),
    for w in success failure delay
        contains -- $w $done; or echo $prefix$w
    end
end

complete -c postie -f

# sendmail flags
complete -c postie -s t -d 'Also read recipients from To, Cc and Bcc'
complete -c postie -s i -d 'A line with a single dot does not end the message'
complete -c postie -o oi -d 'A line with a single dot does not end the message'
complete -c postie -s f -x -a '(__postie_config_values from)' -d 'Envelope sender'
complete -c postie -s r -x -a '(__postie_config_values from)' -d 'Envelope sender'
complete -c postie -s F -x -d 'Full name for an added From header'
complete -c postie -s N -x -a '(__postie_notify)' -d 'DSN notify'
complete -c postie -s R -x -a 'full hdrs' -d 'DSN return'
complete -c postie -s V -x -d 'DSN envelope id'
complete -c postie -s B -x -a '7BIT 8BITMIME' -d 'Body type'
complete -c postie -s v -d 'Print the SMTP dialogue on stderr'
complete -c postie -s C -r -F -d 'Configuration file'
complete -c postie -s X -r -F -d 'Append a transcript to a file'
complete -c postie -o bm -d 'Deliver the message (default)'
complete -c postie -o bp -d 'List the queue'
complete -c postie -o bs -d 'Speak SMTP on stdin/stdout'
complete -c postie -o bv -d 'Verify recipients, send nothing'
complete -c postie -o bi -d 'Check the aliases file'
complete -c postie -s I -d 'Check the aliases file'
complete -c postie -s q -d 'Run the queue once'

# The sendmail flags postie accepts and ignores (-oem, -odi, -U, -L TAG...)
# are not offered.

# compose mode
complete -c postie -s s -l subject -x -d 'Subject (compose mode)'
complete -c postie -s a -l attach -r -F -d 'Attach FILE[;type=T][;name=N]'
complete -c postie -l cc -x -d 'Carbon copy recipient'
complete -c postie -l bcc -x -d 'Blind carbon copy recipient'
complete -c postie -l from -x -a '(__postie_config_values from)' -d 'From header and envelope sender'
complete -c postie -l header -x -d "Add a header field 'Name: value'"
complete -c postie -l body -r -F -d 'Body text file (- for stdin)'
complete -c postie -l html -r -F -d 'HTML alternative of the body'

# postie's own options
complete -c postie -l account -x -a '(__postie_config_values account)' -d 'Account of the configuration'
complete -c postie -l dry-run -d 'Print the envelope and message, send nothing'
complete -c postie -l serverinfo -d 'Show the server greeting, TLS and capabilities'
complete -c postie -l auth -d 'With --serverinfo: test the credentials, send no mail'
complete -c postie -l oauth2-login -d 'Authorize postie once for the account OAuth 2.0 provider'
complete -c postie -l pretend -d 'Print the account that would be used, send nothing'
complete -c postie -l due -d 'With -q: only messages whose retry time has come'
complete -c postie -l json -d 'With -bp: list the queue as JSON lines'
complete -c postie -l queue-delete -x -d 'Remove a message from the queue' -a '(postie -bp 2>/dev/null | string match -r "^[0-9A-F]{8,}")'
complete -c postie -l dkim-keygen -d 'Make a DKIM key and print its DNS record'
complete -c postie -l selector -x -d 'DKIM selector (--dkim-keygen)'
complete -c postie -l domain -x -d 'DKIM signing domain (--dkim-keygen)'
complete -c postie -l type -x -a 'rsa ed25519' -d 'DKIM key type (--dkim-keygen)'
complete -c postie -l bits -x -a '1024 2048 3072 4096' -d 'RSA key size (--dkim-keygen)'
complete -c postie -l key-file -r -F -d 'Where the new DKIM key goes (--dkim-keygen)'
complete -c postie -l version -d 'Print the version'
complete -c postie -l help -d 'Print a summary of the options'
