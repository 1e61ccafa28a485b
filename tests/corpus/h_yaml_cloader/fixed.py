import sys

import yaml


def main() -> None:
    """Print the services defined in the compose file given on the command line."""
    with open(sys.argv[1]) as handle:
        compose = yaml.safe_load(handle)
    for name in compose.get("services", {}):
        print(name)


if __name__ == "__main__":
    main()
