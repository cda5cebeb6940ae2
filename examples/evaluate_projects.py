"""Demo evaluation step: scores scraped projects."""

from __future__ import annotations

import argparse

from pipeline import maybe_fail, step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pre-eval-only", action="store_true")
    args = parser.parse_args()
    step("pre-evaluate", 3)
    maybe_fail("pre-evaluate")
    if not args.pre_eval_only:
        step("evaluate", 4)
    print("evaluation complete", flush=True)


if __name__ == "__main__":
    main()
