import subprocess


def clone_repository(repo_url: str, destination: str) -> int:
    """Clone a git repository into the destination directory and return the exit code."""
    if not repo_url.startswith(("https://", "git@")):
        raise ValueError("unsupported repository URL")
    process = subprocess.Popen(["git", "clone", "--", repo_url, destination])
    return process.wait()
