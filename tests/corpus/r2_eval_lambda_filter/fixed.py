import argparse
import csv
import operator

OPERATORS = {">": operator.gt, "<": operator.lt, "==": operator.eq, ">=": operator.ge, "<=": operator.le}


def main():
    parser = argparse.ArgumentParser(description="Print CSV rows where COLUMN OP VALUE, e.g. price > 10")
    parser.add_argument("csv_file")
    parser.add_argument("column")
    parser.add_argument("op", choices=sorted(OPERATORS))
    parser.add_argument("value", type=float)
    args = parser.parse_args()
    compare = OPERATORS[args.op]
    with open(args.csv_file, newline="") as handle:
        for row in csv.DictReader(handle):
            if compare(float(row[args.column]), args.value):
                print(row)


if __name__ == "__main__":
    main()
