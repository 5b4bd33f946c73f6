#!/usr/bin/python3
"""A TCP relay on loopback that delays every chunk by DELAY ms in each
direction, so that one round trip costs 2*DELAY ms more.  This kernel has no
netem; a user-space delay line is the next best thing.  It also counts the
client's "flights" that were answered: runs of client-to-server data
followed by server-to-client data, i.e. the round trips the client waited
for.  A last flight nobody answers (TLS close_notify after the 221 to QUIT)
costs no waiting and is not counted.

    delayproxy.py LISTEN_PORT TARGET_HOST TARGET_PORT DELAY_MS [STATS_FILE]

Each connection appends one line "flights=N" to STATS_FILE when it ends.
Stops on SIGTERM.
"""
import asyncio
import signal
import sys


class Flights:
    def __init__(self):
        self.last = None
        self.count = 0

    def saw(self, direction):
        if direction == "s2c" and self.last == "c2s":
            self.count += 1
        self.last = direction


async def pump(reader, writer, delay, flights, direction):
    loop = asyncio.get_running_loop()
    queue = asyncio.Queue()

    async def sender():
        while True:
            due, data = await queue.get()
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if data is None:
                try:
                    writer.write_eof()
                except OSError:
                    pass
                return
            writer.write(data)
            await writer.drain()

    task = asyncio.create_task(sender())
    try:
        while True:
            data = await reader.read(65536)
            if data:
                flights.saw(direction)
            await queue.put((loop.time() + delay, data or None))
            if not data:
                break
        await task
    except (ConnectionError, OSError):
        task.cancel()


async def handle(creader, cwriter, target, delay, stats):
    try:
        sreader, swriter = await asyncio.open_connection(*target)
    except OSError:
        cwriter.close()
        return
    flights = Flights()
    await asyncio.gather(
        pump(creader, swriter, delay, flights, "c2s"),
        pump(sreader, cwriter, delay, flights, "s2c"),
        return_exceptions=True)
    for w in (cwriter, swriter):
        w.close()
    if stats:
        with open(stats, "a") as f:
            f.write("flights=%d\n" % flights.count)


async def main():
    port, host, tport, delay_ms = sys.argv[1:5]
    stats = sys.argv[5] if len(sys.argv) > 5 else None
    delay = int(delay_ms) / 1000.0
    server = await asyncio.start_server(
        lambda r, w: handle(r, w, (host, int(tport)), delay, stats),
        "127.0.0.1", int(port))
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with server:
        await stop.wait()


if __name__ == "__main__":
    asyncio.run(main())
