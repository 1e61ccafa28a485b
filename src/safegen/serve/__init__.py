"""`safegen serve`: an OpenAI-compatible proxy that hardens the Python code blocks in chat answers.

app (routes, queue, streaming), protocol (the wire format), harden (scan and repair blocks), blocks (finding
them in Markdown), relay (an upstream's stream passed through), report (what the client is told).
"""
