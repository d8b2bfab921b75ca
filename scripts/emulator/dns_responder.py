"""A tiny authoritative DNS responder on 127.0.0.1 for the tests and the bench: it answers NS
queries for the names it is given and NXDOMAIN for anything else, so the public-DNS side of the
edge's delegation (the parent zone's NS records) can be played without leaving the machine."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset


class Responder:
    """`records[name] = [name servers]`: what the parent zone delegates `name` to."""

    def __init__(self) -> None:
        self.records: dict[str, list[str]] = {}
        self.queries = 0
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.settimeout(0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def address(self) -> str:
        host, port = self._socket.getsockname()
        return f"{host}:{port}"

    def _answer(self, query: dns.message.Message) -> dns.message.Message:
        reply = dns.message.make_response(query)
        reply.flags |= dns.flags.AA
        question = query.question[0]
        name = question.name.to_text().rstrip(".").lower()
        servers = self.records.get(name)
        if servers is None:
            reply.set_rcode(dns.rcode.NXDOMAIN)
        elif question.rdtype == dns.rdatatype.NS:
            reply.answer.append(dns.rrset.from_text_list(
                question.name, 300, "IN", "NS", [s.rstrip(".") + "." for s in servers]))
        return reply

    def _serve(self) -> None:
        while not self._stop.is_set():  # bounded by its user: stop() ends it
            try:
                data, peer = self._socket.recvfrom(4096)
            except TimeoutError:
                continue
            self.queries += 1
            self._socket.sendto(self._answer(dns.message.from_wire(data)).to_wire(), peer)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._socket.close()


@contextmanager
def responding() -> Iterator[Responder]:
    responder = Responder()
    responder.start()
    try:
        yield responder
    finally:
        responder.stop()
