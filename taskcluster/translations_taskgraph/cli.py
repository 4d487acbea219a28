"""The `translations` command: validate a config, show its graph, run it locally."""

import argparse
import json
import sys
from pathlib import Path

from pipeline.common.errors import EXIT_USER_ERROR, UserError
from translations_taskgraph import config as config_schema


def _graph(args):
    from translations_taskgraph.local.graph import target_graph

    config = config_schema.load(args.config)
    if args.target_stage:
        _check_stage(args.target_stage)
    return config, target_graph(config, args.target_stage)


def _check_stage(stage: str) -> None:
    if stage not in config_schema.STAGES:
        raise UserError(f"--target-stage: {stage!r} is not a stage; use one of: {', '.join(config_schema.STAGES)}")


def cmd_validate(args) -> int:
    config = config_schema.load(args.config)
    experiment, datasets = config["experiment"], config["datasets"]
    counts = ", ".join(f"{len(keys)} {category}" for category, keys in datasets.items() if keys)
    print(
        f"{args.config}: OK: {experiment['name']} {experiment['src']}->{experiment['trg']}, "
        f"{counts} dataset(s), target-stage {config['target-stage']}"
    )
    return 0


def cmd_graph(args) -> int:
    _, graph = _graph(args)
    tasks = {label: task for label, task in graph.tasks.items() if task.kind != "docker-image"}
    if args.json:
        json.dump({label: task.to_json() for label, task in sorted(tasks.items())}, sys.stdout, indent=2)
        print()
    else:
        print("\n".join(sorted(tasks)))
    return 0


def cmd_run(args) -> int:
    from translations_taskgraph.local import report
    from translations_taskgraph.local.executor import Executor
    from translations_taskgraph.local.task import from_graph_task

    config, graph = _graph(args)
    tasks = {label: from_graph_task(task) for label, task in graph.tasks.items() if task.kind != "docker-image"}
    executor = Executor(tasks, Path(args.workdir), config["experiment"]["name"], jobs=args.jobs)
    outcome = executor.run()
    print(f"executed {len(outcome.executed)} task(s), reused {len(outcome.reused)}; results: {Path(args.workdir) / config['experiment']['name']}")
    rows = report.scores(tasks, executor.store)
    if rows:
        print(report.table(rows))
    for label, code, log in outcome.failed:
        print(f"FAILED: {label} exited {code}; log: {log}", file=sys.stderr)
    if outcome.interrupted:
        print("interrupted; run the same command again to continue where it stopped", file=sys.stderr)
        return 130
    return 0 if outcome.ok else 1


def cmd_config_docs(args) -> int:
    from translations_taskgraph.config_docs import render

    print(render(), end="")
    return 0


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="translations", description=__doc__)
    commands = main.add_subparsers(dest="command", required=True)

    validate = commands.add_parser("validate", help="check a training config; report every problem")
    validate.add_argument("config")
    validate.set_defaults(func=cmd_validate)

    graph = commands.add_parser("graph", help="list the tasks a config generates")
    graph.add_argument("config")
    graph.add_argument("--target-stage")
    graph.add_argument("--json", action="store_true", help="full task definitions")
    graph.set_defaults(func=cmd_graph)

    run = commands.add_parser("run", help="run the training graph on this machine")
    run.add_argument("config")
    run.add_argument("--target-stage")
    run.add_argument("--workdir", default="runs", help="results store (default: ./runs)")
    run.add_argument("--jobs", type=int, default=1, help="tasks to run at once (default: 1)")
    run.set_defaults(func=cmd_run)

    docs = commands.add_parser("config-docs", help="print the config reference (docs/config.md)")
    docs.set_defaults(func=cmd_config_docs)
    return main


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except UserError as error:
        for line in str(error).splitlines():
            print(f"error: {line}", file=sys.stderr)
        return EXIT_USER_ERROR


if __name__ == "__main__":
    sys.exit(main())
