import argparse
import csv


def main():
    parser = argparse.ArgumentParser(description="Print CSV rows matching a condition, e.g. 'float(row[\"price\"]) > 10'")
    parser.add_argument("csv_file")
    parser.add_argument("condition")
    args = parser.parse_args()
    keep = eval("lambda row: " + args.condition)
    with open(args.csv_file, newline="") as handle:
        for row in csv.DictReader(handle):
            if keep(row):
                print(row)


if __name__ == "__main__":
    main()
