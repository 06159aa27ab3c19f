"""A real SMTP server for skillhub's tests (started by skillhub_testkit::smtp::SmtpServer).

Listens on 127.0.0.1 (port 0: the system picks a free one), prints the port on stdout as one
line once it accepts connections, and saves every message it accepts into a Maildir (new/), as
a mail program would find it. To test failures it refuses recipients by their local part:
`refuse…` with 550 5.1.1 (permanent), `later…` with 451 4.3.0 (transient). It exits when its
stdin closes, so it never outlives the test process that started it.

Needs aiosmtpd (Debian: python3-aiosmtpd); run with /usr/bin/python3.
"""

import argparse
import asyncio
import mailbox
import os
import sys
import threading

from aiosmtpd.smtp import SMTP


class MaildirHandler:
    def __init__(self, path):
        self.box = mailbox.Maildir(path, create=True)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@", 1)[0].lower()
        if local.startswith("refuse"):
            return "550 5.1.1 mailbox unavailable"
        if local.startswith("later"):
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        # Maildir.add writes into tmp/ and renames into new/: a reader never sees half a message.
        self.box.add(envelope.original_content)
        return "250 2.0.0 message accepted"


def exit_when_stdin_closes():
    sys.stdin.buffer.read()
    os._exit(0)


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--maildir", required=True)
    args = parser.parse_args()
    handler = MaildirHandler(args.maildir)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        # A fixed hostname: aiosmtpd would otherwise ask the resolver for this machine's FQDN.
        lambda: SMTP(handler, decode_data=False, hostname="skillhub-test"),
        host="127.0.0.1",
        port=args.port,
    )
    port = server.sockets[0].getsockname()[1]
    print(port, flush=True)
    threading.Thread(target=exit_when_stdin_closes, daemon=True).start()
    await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
