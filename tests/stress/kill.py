"""kill.py -- the kill-signal stress run behind tests/stress/kill.sh.

Runs postie against a loopback tests/lib/smtpd.py, one process at a time:
submissions (half with the relay down, so that they are queued) and queue
runs, each sent SIGKILL, SIGTERM or SIGINT after a random delay.  Then the
relay is healthy and the queue is drained without signals, and:

  lost       a message postie accepted (exit 0: delivered or queued) that
             the server never received and that is not in the queue;
  duplicate  an extra copy the server received.  It is "in the window"
             (postie(1): lost after the whole message was sent, before the
             result was recorded) when the process that sent the earlier
             copy was killed between sending its final dot and a short
             while after the server saved it; any other is "outside".

Arguments: POSTIE SMTPD_PY WORKDIR SIGNALS SEED.  Exit 1 when a message
was lost or a duplicate is outside the window.
"""
import email
import glob
import os
import random
import signal
import subprocess
import sys
import time

postie, smtpd_py, work, nsignals, seed = sys.argv[1:6]
nsignals, seed = int(nsignals), int(seed)
rng = random.Random(seed)
spool = os.path.join(work, "spool")
queue = os.path.join(work, "queue")
cfg = os.path.join(work, "postierc")
DOT_STALL = 0.05	# the server waits this long before saving at the dot
SIGS = [(signal.SIGKILL, 70), (signal.SIGTERM, 15), (signal.SIGINT, 15)]


def free_port():
	import socket
	s = socket.socket()
	s.bind(("127.0.0.1", 0))
	p = s.getsockname()[1]
	s.close()
	return p


dead_port = free_port()
port_file = os.path.join(work, "smtpd.port")
server = subprocess.Popen(
	[sys.executable, smtpd_py, "--port", "0", "--port-file", port_file,
	 "--spool", spool, "--fault", "stall:0.02@ehlo",
	 "--fault", "stall:0.02@rcpt", "--fault", "stall:%s@dot" % DOT_STALL],
	stdout=open(os.path.join(work, "smtpd.log"), "w"),
	stderr=subprocess.STDOUT)
for _ in range(200):
	if os.path.exists(port_file):
		break
	time.sleep(0.05)
live_port = int(open(port_file).read())


def write_cfg(port):
	tmp = cfg + ".tmp"
	with open(tmp, "w") as f:
		f.write("account default\nhost 127.0.0.1\nport %d\n"
			"from sender@example.com\ndomain client.example.com\n"
			"tls off\nqueue on\nqueue_dir %s\ntimeout 5\n"
			% (port, queue))
	os.chmod(tmp, 0o600)
	os.rename(tmp, cfg)


def pick_signal():
	r = rng.randrange(100)
	for s, w in SIGS:
		if r < w:
			return s
		r -= w
	return SIGS[0][0]


runs = []	# dicts: kind, start, kill, sig, hit, rc, subject
accepted = []
n = 0
while sum(1 for r in runs if r["sig"] is not None) < nsignals:
	n += 1
	r = rng.random()
	kind = "submit-down" if r < 0.3 else "submit" if r < 0.65 else "queue-run"
	write_cfg(dead_port if kind == "submit-down" else live_port)
	subject = "stress-%d-%d" % (seed, n)
	if kind == "queue-run":
		args, data = [postie, "-C", cfg, "-q"], b""
	else:
		args = [postie, "-C", cfg, "a@example.net", "b@example.net"]
		data = ("Subject: %s\n\n%s\n" % (subject, "body line\n" *
			rng.randrange(1, 2000))).encode()
	run = {"kind": kind, "subject": subject if kind != "queue-run" else None,
	       "sig": None, "hit": False, "kill": None}
	run["start"] = time.time()
	p = subprocess.Popen(args, stdin=subprocess.PIPE,
			     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
	try:
		p.stdin.write(data)
		p.stdin.close()
	except BrokenPipeError:
		pass
	delay = rng.uniform(0, 0.3)
	try:
		p.wait(timeout=delay)
	except subprocess.TimeoutExpired:
		sig = pick_signal()
		run["sig"], run["kill"] = sig, time.time()
		p.send_signal(sig)
		run["hit"] = True
	p.wait()
	run["rc"] = p.returncode
	runs.append(run)
	if kind != "queue-run" and p.returncode == 0:
		accepted.append(subject)

# Drain: the relay healthy, no signals.
write_cfg(live_port)
for _ in range(5):
	if not glob.glob(os.path.join(queue, "*.env")):
		break
	subprocess.run([postie, "-C", cfg, "-q"], stdin=subprocess.DEVNULL,
		       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
time.sleep(DOT_STALL * 4)
server.send_signal(signal.SIGTERM)
server.wait()

copies = {}	# subject -> save times
for f in glob.glob(os.path.join(spool, "*.eml")):
	subj = str(email.message_from_binary_file(open(f, "rb"))["Subject"])
	copies.setdefault(subj, []).append(os.stat(f).st_mtime)
in_queue = set()
for f in glob.glob(os.path.join(queue, "*.msg")):
	subj = email.message_from_binary_file(open(f, "rb"))["Subject"]
	in_queue.add(str(subj))
failed = glob.glob(os.path.join(queue, "failed", "*.env"))

lost = [s for s in accepted if s not in copies and s not in in_queue]


def killed_near(t):
	"""A signalled process that ran when the copy saved at t was sent
	and died between its final dot and a short while after the save."""
	for r in runs:
		if r["hit"] and r["start"] <= t and \
		   t - DOT_STALL - 0.05 <= r["kill"] <= t + 0.5:
			return True
	return False


dup_in = dup_out = 0
for subj, times in copies.items():
	times.sort()
	for t in times[:-1]:
		if killed_near(t):
			dup_in += 1
		else:
			dup_out += 1
			print("duplicate outside the window: %s" % subj)

hits = [r for r in runs if r["hit"]]
print("signals sent:            %d (SIGKILL %d, SIGTERM %d, SIGINT %d)" % (
	len(hits), sum(r["sig"] == signal.SIGKILL for r in hits),
	sum(r["sig"] == signal.SIGTERM for r in hits),
	sum(r["sig"] == signal.SIGINT for r in hits)))
for kind in ("submit", "submit-down", "queue-run"):
	print("  %-22s %d of %d runs" % (kind + ":", sum(r["kind"] == kind
		for r in hits), sum(r["kind"] == kind for r in runs)))
print("submissions accepted:    %d (exit 0)" % len(accepted))
print("messages received:       %d distinct, %d copies" % (
	len(copies), sum(len(v) for v in copies.values())))
print("still queued / failed/:  %d / %d" % (len(in_queue), len(failed)))
print("accepted and lost:       %d" % len(lost))
print("duplicates in window:    %d" % dup_in)
print("duplicates outside:      %d" % dup_out)
for s in lost:
	print("lost: %s" % s)
sys.exit(1 if lost or dup_out or failed else 0)
