import argparse
import subprocess


def main():
    parser = argparse.ArgumentParser(description="Convert an image to PNG")
    parser.add_argument("source")
    parser.add_argument("target")
    args = parser.parse_args()
    subprocess.call(f"convert {args.source} {args.target}", shell=True)


if __name__ == "__main__":
    main()
