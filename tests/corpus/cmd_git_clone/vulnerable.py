import subprocess


def clone_repository(repo_url: str, destination: str) -> int:
    """Clone a git repository into the destination directory and return the exit code."""
    command = "git clone " + repo_url + " " + destination
    process = subprocess.Popen(command, shell=True)
    return process.wait()
