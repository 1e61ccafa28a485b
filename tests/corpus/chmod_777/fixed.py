import os


def write_shared_report(path: str, content: str) -> None:
    """Write a report file that other services can read."""
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(content)
    os.chmod(path, 0o644)
