"""smtplib over a pipe: drive "postie -bs" as PHP's and Alpine's
sendmail -bs callers do, with its stdin and stdout as the connection.

    from bs_client import PipeSMTP
    s = PipeSMTP([postie, "-C", cfg, "-bs"])   # reads the 220 greeting
    s.ehlo("client.example"); s.sendmail(...); s.quit(); s.wait()

Import with sys.path set to tests/lib; run with /usr/bin/python3.
"""
import smtplib
import subprocess


class PipeSock:
    """What smtplib needs of a socket, over a child's stdin and stdout."""

    def __init__(self, argv, stderr):
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=stderr)

    def sendall(self, data):
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def makefile(self, mode):
        return self.proc.stdout

    def close(self):
        if self.proc.stdin and not self.proc.stdin.closed:
            self.proc.stdin.close()


class PipeSMTP(smtplib.SMTP):
    def __init__(self, argv, stderr=None, timeout=60):
        self._argv = argv
        self._stderr = stderr
        super().__init__(timeout=timeout)
        self.pipe = None
        code, msg = self.connect("postie-bs", 0)
        if code != 220:
            raise smtplib.SMTPConnectError(code, msg)

    def connect(self, host="localhost", port=0, source_address=None):
        self.pipe = PipeSock(self._argv, self._stderr)
        self.sock = self.pipe
        self.file = None
        return self.getreply()

    def send_raw(self, data):
        """Write bytes as they are, in one write (a pipelined flight)."""
        self.pipe.sendall(data)

    def end_input(self):
        """Close postie's stdin, as a caller that dies would."""
        self.pipe.close()

    def wait(self, timeout=60):
        """Close stdin and return postie's exit code."""
        self.pipe.close()
        return self.pipe.proc.wait(timeout)
