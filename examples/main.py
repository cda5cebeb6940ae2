"""Demo pipeline: scrape → evaluate → generate → dashboard, with the seed's flags."""

from __future__ import annotations

import argparse

from pipeline import maybe_fail, step


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", "--number", type=int, default=10)
    parser.add_argument("-r", "--regions", nargs="+", default=["germany"])
    parser.add_argument("-o", "--output-dir", default="output")
    parser.add_argument("--no-applications", action="store_true")
    parser.add_argument("--no-purge", action="store_true")
    parser.add_argument("--purge", action="store_true", help="only purge old projects")
    parser.add_argument("--generate-applications", action="store_true")
    parser.add_argument("--all-accepted", action="store_true")
    parser.add_argument("--application-threshold", type=float, default=0.7)
    parser.add_argument("--sleep", type=float, default=0.0, help="extra seconds to wait at the end")
    return parser.parse_args()


def main() -> None:
    args = parse()
    if args.purge:
        step("purge", 3)
        print("purge done", flush=True)
        return
    if args.generate_applications:
        scope = "all accepted" if args.all_accepted else f"score >= {args.application_threshold}"
        step(f"generate ({scope})", 3)
        maybe_fail("generate")
        print("applications generated", flush=True)
        return
    for region in args.regions:
        step(f"scrape {region}", min(args.number, 5))
    maybe_fail("scrape")
    step("evaluate", 3)
    if not args.no_applications:
        step("generate", 2)
    if not args.no_purge:
        step("purge", 1)
    step(f"dashboard -> {args.output_dir}", 1)
    if args.sleep:
        import time

        time.sleep(args.sleep)
    print("workflow complete", flush=True)


if __name__ == "__main__":
    main()
