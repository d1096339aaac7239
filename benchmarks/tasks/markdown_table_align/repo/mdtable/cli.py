"""`mdtable FILE.csv [--sep ;]`: prints a CSV file as a Markdown table."""

import argparse
import csv
import io

from mdtable.render import render_table


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="mdtable")
    parser.add_argument("path")
    parser.add_argument("--sep", default=",", help="the CSV field separator")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    with open(args.path, newline="") as f:
        rows = list(csv.reader(io.StringIO(f.read()), delimiter=args.sep))
    print(render_table(rows[0], rows[1:]), end="")
    return 0
