import json
import socket


def receive_message(sock: socket.socket):
    """Receive one length-prefixed message from the socket and decode it."""
    length = int.from_bytes(sock.recv(4), "big")
    payload = sock.recv(length)
    return json.loads(payload.decode("utf-8"))
