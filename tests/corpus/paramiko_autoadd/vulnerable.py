import paramiko


def run_remote(host: str, user: str, command: list[str]) -> str:
    """Run a fixed maintenance command on a remote host over SSH."""
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    client.connect(host, username=user)
    try:
        _, stdout, _ = client.exec_command(" ".join(command))
        return stdout.read().decode()
    finally:
        client.close()
