import shlex

import paramiko


def run_remote(host: str, user: str, command: list[str]) -> str:
    """Run a fixed maintenance command on a remote host over SSH."""
    client = paramiko.SSHClient()
    client.load_system_host_keys()
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    client.connect(host, username=user)
    try:
        _, stdout, _ = client.exec_command(shlex.join(command))
        return stdout.read().decode()
    finally:
        client.close()
