import importlib

ALLOWED_TRANSFORMS = {"uppercase": "transforms.uppercase", "strip": "transforms.strip"}


def run_user_script(source_code: str, data: dict) -> dict:
    """Run a named, pre-installed transformation on data (arbitrary code is not accepted)."""
    module_name = ALLOWED_TRANSFORMS.get(source_code)
    if module_name is None:
        raise ValueError(f"unknown transformation {source_code!r}")
    return importlib.import_module(module_name).transform(data)
