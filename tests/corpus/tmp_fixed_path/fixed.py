import json
import os
import tempfile


def save_checkpoint(state: dict) -> str:
    """Save the job state so that it can be resumed after a crash."""
    fd, path = tempfile.mkstemp(prefix="job_checkpoint_", suffix=".json")
    with os.fdopen(fd, "w") as handle:
        json.dump(state, handle)
    return path
