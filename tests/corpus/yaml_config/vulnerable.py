import yaml


def load_config(path):
    """Load the YAML configuration file and return it as a dict."""
    with open(path) as handle:
        return yaml.load(handle, Loader=yaml.Loader)
