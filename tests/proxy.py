"""A TCP proxy on 127.0.0.1 that can stall: it keeps every connection open but stops forwarding."""

import selectors
import socket
import threading

CHUNK = 65536
POLL_SECONDS = 0.05


class StallingProxy:
    """Forward connections to a server; `stall()` holds every byte (a hung node), `resume()`
    forwards again. Use it as a context manager."""

    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.forwarding = threading.Event()
        self.forwarding.set()
        self.closed = threading.Event()
        self.accepted = 0
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._accept, daemon=True)]

    def stall(self) -> None:
        """Stop forwarding: connections stay open and accepted, nothing goes through."""
        self.forwarding.clear()

    def resume(self) -> None:
        """Forward again."""
        self.forwarding.set()

    def _accept(self) -> None:
        self.listener.settimeout(POLL_SECONDS)
        while not self.closed.is_set():
            try:
                downstream, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            with self._lock:
                self.accepted += 1
                self._sockets += [downstream, upstream]
            pump = threading.Thread(target=self._pump, args=(downstream, upstream), daemon=True)
            pump.start()
            self._threads.append(pump)

    def _pump(self, downstream: socket.socket, upstream: socket.socket) -> None:
        """Copy bytes both ways while forwarding; hold them (unread) while stalled."""
        peer = {downstream: upstream, upstream: downstream}
        with selectors.DefaultSelector() as selector:
            for sock in peer:
                selector.register(sock, selectors.EVENT_READ)
            while not self.closed.is_set():
                if not self.forwarding.wait(POLL_SECONDS):
                    continue
                for key, _ in selector.select(POLL_SECONDS):
                    try:
                        data = key.fileobj.recv(CHUNK)
                        if data:
                            peer[key.fileobj].sendall(data)
                    except OSError:
                        data = b""
                    if not data:
                        for sock in peer:
                            sock.close()
                        return

    def __enter__(self):
        self._threads[0].start()
        return self

    def __exit__(self, *exc):
        self.closed.set()
        self.listener.close()
        for thread in self._threads:
            thread.join()
        with self._lock:
            for sock in self._sockets:
                sock.close()
