"""A small program for peekpy's CI example: it parses, transforms and
renders, in rounds, and each step costs CPU time in proportion to its work.

    python3 app.py [--rounds N] [--parse-cost F]

--parse-cost 1.10 makes parse() 10% slower: the change a pull request
would make by accident, for peekpy check to catch.
"""
import argparse


def parse(units):
    total = 0
    for i in range(units):
        total += i * i % 7
    return total


def transform(units):
    total = 0
    for i in range(units):
        total += i * i % 11
    return total


def render(units):
    total = 0
    for i in range(units):
        total += i * i % 13
    return total


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--parse-cost", type=float, default=1.0)
    args = parser.parse_args()
    for _ in range(args.rounds):
        parse(int(3000000 * args.parse_cost))
        transform(7500000)
        render(4500000)


if __name__ == "__main__":
    main()
