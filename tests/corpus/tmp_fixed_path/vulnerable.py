import json


def save_checkpoint(state: dict) -> str:
    """Save the job state so that it can be resumed after a crash."""
    path = "/tmp/job_checkpoint.json"
    with open(path, "w") as handle:
        json.dump(state, handle)
    return path
