import ast


def parse_settings(text: str) -> dict:
    """Parse 'key = value' lines; values are Python literals such as 3, 'x' or [1, 2]."""
    settings = {}
    for line in text.splitlines():
        if "=" not in line or line.lstrip().startswith("#"):
            continue
        key, value = line.split("=", 1)
        settings[key.strip()] = ast.literal_eval(value.strip())
    return settings
