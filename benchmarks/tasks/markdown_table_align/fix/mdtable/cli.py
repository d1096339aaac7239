"""`mdtable FILE.csv [--sep ;] [--align l,r,c]`: prints a CSV file as a Markdown table."""

import argparse
import csv
import io

from mdtable.render import render_table


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="mdtable")
    parser.add_argument("path")
    parser.add_argument("--sep", default=",", help="the CSV field separator")
    parser.add_argument("--align", default="", help="each column's alignment, comma-separated: l, r or c")
    args = parser.parse_args(argv)
    args.align = [a.strip() for a in args.align.split(",")] if args.align else []
    if any(a not in ("l", "r", "c") for a in args.align):
        parser.error(f"--align takes l, r or c for each column, not {','.join(args.align)}")
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    with open(args.path, newline="") as f:
        rows = list(csv.reader(io.StringIO(f.read()), delimiter=args.sep))
    print(render_table(rows[0], rows[1:], args.align), end="")
    return 0
