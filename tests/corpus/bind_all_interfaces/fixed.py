import socketserver


class EchoHandler(socketserver.StreamRequestHandler):
    def handle(self):
        for line in self.rfile:
            self.wfile.write(line)


def serve(port: int = 9000) -> None:
    """Run a line echo server for local debugging."""
    with socketserver.TCPServer(("127.0.0.1", port), EchoHandler) as server:
        server.serve_forever()
