"""The `translations` command: validate a config, show its graph, run it locally, verify
its stored results, open a shell in a task's environment."""

import argparse
import collections
import gc
import importlib.metadata
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

from pipeline.common.errors import EXIT_USER_ERROR, UserError
from translations_taskgraph import config as config_schema
from translations_taskgraph import continuation


def _graph(args):
    from translations_taskgraph.local.graph import target_graph

    config = _load(args)
    if args.target_stage:
        _check_stage(args.target_stage)
    graph = target_graph(config, args.target_stage)
    # The graph's objects live as long as the command: spare Python's cyclic collector (its
    # passes after generation and at exit) from walking them: 0.2 s of `translations graph`.
    gc.freeze()
    return config, graph


def _load(args) -> dict:
    """The config, checked, with its continuation's stored results found and its files there."""
    config = config_schema.load(args.config)
    _resolve_runs(args.config, config, Path(getattr(args, "workdir", "runs")))
    if problems := continuation.problems(config):
        raise config_schema.ConfigError(args.config, problems)
    return config


def _resolve_runs(source: str, config: dict, workdir: Path) -> None:
    """Continuation locations `run:<experiment>/<label>/<file>` become the stored file's path."""
    problems = []
    for where, holder, key in config_schema.locations(config["continuation"]):
        if not holder[key].startswith("run:"):
            continue
        experiment, label, name = holder[key][4:].split("/")
        path = workdir / experiment / label / "artifacts" / name
        if path.is_file():
            holder[key] = str(path.resolve())
        else:
            problems.append(f"{where}: {holder[key]}: {workdir / experiment / label} holds no stored {name}; "
                            f"run that experiment with --workdir {workdir} first, or give the file's path")
    if problems:
        raise config_schema.ConfigError(source, problems)


def _check_stage(stage: str) -> None:
    if stage not in config_schema.STAGES:
        raise UserError(f"--target-stage: {stage!r} is not a stage; use one of: {', '.join(config_schema.STAGES)}")


def _full_graph_task(args):
    """(config, every local task of the config's full graph, the task `args.label`)."""
    from translations_taskgraph.local import graph as local_graph
    from translations_taskgraph.local.task import from_graph

    config = _load(args)
    tasks = from_graph(local_graph.generator(config).full_task_graph)
    if args.label not in tasks:
        raise UserError(f"{args.config} has no task {args.label!r}; `translations graph {args.config}` lists them")
    return config, tasks, tasks[args.label]


def cmd_validate(args) -> int:
    from translations_taskgraph import decoding

    config = _load(args)
    experiment, datasets = config["experiment"], config["datasets"]
    counts = ", ".join(f"{len(keys)} {category}" for category, keys in datasets.items() if keys)
    print(
        f"{args.config}: OK: {experiment['name']} {experiment['src']}->{experiment['trg']}, "
        f"{counts} dataset(s), target-stage {config['target-stage']}"
    )
    for note in decoding.notes(config):
        print(f"{args.config}: {note}")
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
    from translations_taskgraph.local.task import from_graph
    from translations_taskgraph.rerun import rerun_set

    config, graph = _graph(args)
    tasks = from_graph(graph)
    rerun = rerun_set({label: task.dependencies for label, task in tasks.items()}, args.start_from) if args.start_from else set()
    if args.engine == "slurm":
        return _run_slurm(args, config, tasks, rerun)
    executor = Executor(tasks, Path(args.workdir), config["experiment"]["name"], jobs=args.jobs, rerun=rerun,
                        gpus=os.environ.get("GPUS", ""), gpus_per_task=args.gpus_per_task)
    if executor.pool.jobs < args.jobs:
        print(f"--jobs {args.jobs}: this machine has {executor.pool.jobs} core(s) for it; running at most {executor.pool.jobs} task(s) at once")
    output = report.default_output(Path(args.workdir), config["experiment"]["name"])
    executor.on_change = lambda: report.build(config, tasks, executor.store, output)
    outcome = executor.run()
    print(f"executed {len(outcome.executed)} task(s), reused {len(outcome.reused)}; results: {Path(args.workdir) / config['experiment']['name']}")
    _print_report(config, tasks, executor.store, output)
    for label, reason, log in outcome.failed:
        print(f"FAILED: {label} {reason}; log: {log}", file=sys.stderr)
    if outcome.interrupted:
        print(f"interrupted by {outcome.interrupted.name}; run the same command again to continue where it stopped", file=sys.stderr)
        return 128 + outcome.interrupted
    return 0 if outcome.ok else 1


def _print_report(config: dict, tasks: dict, store, output: Path) -> None:
    from translations_taskgraph.local import report

    try:
        results = report.build(config, tasks, store, output)
    except Exception as error:  # noqa: BLE001 - the run's results are stored; `translations report` can retry
        print(f"warning: the report could not be written: {type(error).__name__}: {error}", file=sys.stderr)
        return
    if results["scores"]:
        print(report.table(results["scores"]))
    print(f"report: {output}")


def cmd_report(args) -> int:
    """Write the report of what the store holds for the config's graph; nothing runs."""
    from translations_taskgraph.local import report
    from translations_taskgraph.local.store import Store
    from translations_taskgraph.local.task import from_graph

    config, graph = _graph(args)
    workdir = Path(args.workdir)
    if not (workdir / "store").is_dir():
        raise UserError(f"--workdir {workdir}: no result store there; run `translations run {args.config} --workdir {workdir}` first")
    output = Path(args.output) if args.output else report.default_output(workdir, config["experiment"]["name"])
    report.build(config, from_graph(graph), Store(workdir), output)
    print(f"report: {output} (and {output.with_name('results.json')})")
    return 0


def _slurm_engine(args):
    from translations_taskgraph.local.slurm import SlurmEngine
    from translations_taskgraph.local.task import from_graph

    config, graph = _graph(args)
    return SlurmEngine(from_graph(graph), Path(args.workdir), config["experiment"]["name"])


def _run_slurm(args, config, tasks, rerun) -> int:
    from translations_taskgraph.local import profile, report
    from translations_taskgraph.local.slurm import SlurmEngine

    engine = SlurmEngine(tasks, Path(args.workdir), config["experiment"]["name"], rerun=rerun, profile=profile.load(args.profile))
    submission = engine.submit()
    print(
        f"submitted {len(submission.submitted)} job(s), {len(submission.queued)} already queued or running, "
        f"reused {len(submission.reused)}; `translations status {args.config}` shows them"
    )
    if not args.wait:
        return 0
    states = engine.wait()
    failed = {label: state for label, state in states.items() if state.startswith("failed")}
    stored = sum(state == "stored" for state in states.values())
    print(f"{stored} of {len(states)} task(s) stored; results: {Path(args.workdir) / config['experiment']['name']}")
    for label in states:
        if states[label] == "stored":
            engine.store.link(config["experiment"]["name"], label, tasks[label].digest)
    _print_report(config, tasks, engine.store, report.default_output(Path(args.workdir), config["experiment"]["name"]))
    for label, state in failed.items():
        print(f"FAILED: {label} {state.removeprefix('failed: ')}", file=sys.stderr)
    return 0 if stored == len(states) else 1


def cmd_status(args) -> int:
    states = _slurm_engine(args).states()
    width = max(map(len, states), default=0)
    for label, state in sorted(states.items()):
        print(f"{label.ljust(width)}  {state}")
    counts = collections.Counter(state.split(":")[0] for state in states.values())
    print(", ".join(f"{count} {state}" for state, count in sorted(counts.items())))
    return 0


def cmd_cancel(args) -> int:
    cancelled = _slurm_engine(args).cancel()
    print(f"cancelled {len(cancelled)} job(s)" + "".join(f"\n  {label}" for label in cancelled))
    return 0


def cmd_verify(args) -> int:
    """Check every stored result of the config's graph against its record (sizes and hashes)."""
    from translations_taskgraph.local import graph as local_graph
    from translations_taskgraph.local.store import Store
    from translations_taskgraph.local.task import from_graph

    config = config_schema.load(args.config)
    tasks = from_graph(local_graph.generator(config).full_task_graph)
    store = Store(Path(args.workdir))
    damaged = 0
    with store.locked():
        stored = sorted(label for label, task in tasks.items() if store.has(task.digest))
        for label in stored:
            problem = store.damage(tasks[label].digest, hashes=True)
            if problem:
                damaged += 1
                aside = store.set_aside(tasks[label].digest)
                print(f"{label}: damaged: {problem}; set aside in {aside}, the next run redoes it")
    print(f"verified {len(stored)} stored result(s) of {args.config} in {store.root}: {damaged} damaged")
    return 1 if damaged else 0


def cmd_shell(args) -> int:
    """A shell in a task's prepared directory: the local twin of an interactive task."""
    from translations_taskgraph.local.prepare import prepare
    from translations_taskgraph.local.store import Store

    _, tasks, task = _full_graph_task(args)
    store = Store(Path(args.workdir))
    problems = {}
    for dep in task.dependencies:
        digest = tasks[dep].digest
        if not store.has(digest):
            problems[dep] = "not stored"
        elif problem := store.damage(digest, hashes=True):
            store.set_aside(digest)  # so that the run below redoes it
            problems[dep] = f"damaged: {problem}"
    if problems:
        stage = max((tasks[dep].attributes["stage"] for dep in problems), key=config_schema.STAGES.index)
        raise UserError(
            f"{args.label} needs results not in {args.workdir}: {', '.join(f'{dep} ({why})' for dep, why in problems.items())}; "
            f"run `translations run {args.config} --target-stage {stage} --workdir {args.workdir}` first"
        )
    work, env = prepare(store, task, {dep: tasks[dep].digest for dep in task.dependencies})
    command = task.command[-1] if task.command[:2] == ["bash", "-cx"] else " ".join(task.command)
    print(f"{args.label}: fetches in {work / 'fetches'}, outputs go to {work / 'artifacts'}", file=sys.stderr)
    print(f"the task's command (also in $TASK_COMMAND; run it with: eval \"$TASK_COMMAND\"):\n  {command}", file=sys.stderr)
    shell = ["bash", "--norc", "-i"] if sys.stdin.isatty() else ["bash"]
    return subprocess.call(shell, cwd=env["VCS_PATH"], env={**env, "TASK_COMMAND": command, "PS1": f"({args.label}) $ "})


def cmd_cache_explain(args) -> int:
    from translations_taskgraph.local import explain
    from translations_taskgraph.local.store import Store
    from translations_taskgraph.local.task import record

    config, tasks, task = _full_graph_task(args)
    current = {"digest": task.digest, **record(task, tasks)}
    if args.previous:
        previous = explain.load_graph(args.previous).get(args.label)
        source = str(args.previous)
    else:
        store = Store(Path(args.workdir))
        if store.has(task.digest):
            print(f"{args.label}: reused: its inputs match the result stored in {store.result(task.digest)}")
            return 0
        previous = store.latest(config["experiment"]["name"], args.label)
        source = str(store.root)
    if previous is None:
        print(f"{args.label}: runs: no earlier result of it in {source}")
        return 0
    if previous["digest"] == task.digest:
        print(f"{args.label}: reused: same digest as in {source}")
        return 0
    changes = explain.differences(previous, current)
    print(f"{args.label}: runs: {len(changes)} input(s) differ from {source} (digest {previous['digest'][:12]} -> {task.digest[:12]}):")
    for change in changes:
        print(f"  {change}")
    return 0


def cmd_train(args) -> int:
    from translations_taskgraph.trigger import trigger_train

    config = config_schema.load(args.config)
    if args.target_stage:
        _check_stage(args.target_stage)
        config["target-stage"] = args.target_stage
    options = {"previous-group-ids": args.previous_group_ids, "start-task-prefix": args.start_task_prefix}
    answer = trigger_train(args.task_group, {**config, **{k: v for k, v in options.items() if v}})
    print(f"triggered the Train action: task {answer.get('status', {}).get('taskId', '?')} in group {args.task_group}")
    return 0


def cmd_datasets(args) -> int:
    from pipeline.data.preflight import FAILED, check_all
    from translations_taskgraph.local.graph import REPO_ROOT

    config = config_schema.load(args.config)
    checks = check_all(config, REPO_ROOT)
    width = max(len(c.key) for c in checks)
    for c in checks:
        detail = f" ({c.detail})" if c.detail else ""
        print(f"{c.key.ljust(width)}  {c.status:<11}  {c.location}{detail}")
    failed = [c for c in checks if c.status in FAILED]
    for c in failed:
        reason = c.detail if c.status == "invalid" else f"dataset {c.key} is not there: {c.location} {c.detail}".rstrip()
        print(f"error: {args.config}: {reason}", file=sys.stderr)
    return 2 if failed else 0


def cmd_config_docs(args) -> int:
    from translations_taskgraph.config_docs import render

    print(render(), end="")
    return 0


def version() -> str:
    try:
        return importlib.metadata.version("translations")
    except importlib.metadata.PackageNotFoundError:  # a checkout used without `pip install -e .`
        return "unknown (not installed)"


CONFIG_HELP = "the training config (YAML), e.g. configs/quickstart.yml"
STAGE_HELP = "use this stage instead of the config's target-stage (the tasks it needs come too)"
WORKDIR_HELP = "the local result store (default: ./runs)"
RUNS_HELP = "where the `run:` locations of a continuation are stored (default: ./runs)"


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="translations", description=__doc__)
    main.add_argument("--version", action="version", version=f"%(prog)s {version()}", help="print the version and exit")
    commands = main.add_subparsers(dest="command", required=True, metavar="COMMAND", help="one of:")

    validate = commands.add_parser("validate", help="check a training config; report every problem")
    validate.add_argument("config", help=CONFIG_HELP)
    validate.add_argument("--workdir", default="runs", help=RUNS_HELP)
    validate.set_defaults(func=cmd_validate)

    graph = commands.add_parser("graph", help="list the tasks a config generates")
    graph.add_argument("config", help=CONFIG_HELP)
    graph.add_argument("--target-stage", help=STAGE_HELP)
    graph.add_argument("--json", action="store_true", help="print the full task definitions as JSON")
    graph.add_argument("--workdir", default="runs", help=RUNS_HELP)
    graph.set_defaults(func=cmd_graph)

    run = commands.add_parser("run", help="run the training graph on this machine, or submit it to Slurm")
    run.add_argument("config", help=CONFIG_HELP)
    run.add_argument("--target-stage", help=STAGE_HELP)
    run.add_argument("--workdir", default="runs", help=WORKDIR_HELP)
    run.add_argument("--jobs", type=int, default=1,
                     help="tasks to run at once, each on its own share of the cores (default: 1; local engine)")
    run.add_argument("--gpus-per-task", type=int, metavar="N",
                     help="GPUs one GPU task takes from the pool in $GPUS (default: all of them; local engine; docs/local-runs.md)")
    run.add_argument("--start-from", metavar="PREFIX", help="rerun the tasks whose label starts with PREFIX and all downstream")
    run.add_argument("--engine", choices=("local", "slurm"), default="local",
                     help="local: run here (default); slurm: submit one job per task and return (docs/slurm.md)")
    run.add_argument("--wait", action="store_true", help="with --engine slurm: stay until the jobs end, then show the scores")
    run.add_argument("--profile", help="with --engine slurm: the cluster profile (default: $TRANSLATIONS_SLURM_PROFILE, "
                     "else ~/.config/translations/slurm.yml if it exists; docs/slurm.md)")
    run.set_defaults(func=cmd_run)

    report_parser = commands.add_parser("report", help="write the run's report (HTML, results.json) from the stored results")
    report_parser.add_argument("config", help=CONFIG_HELP)
    report_parser.add_argument("--target-stage", help=STAGE_HELP)
    report_parser.add_argument("--workdir", default="runs", help=WORKDIR_HELP)
    report_parser.add_argument("--output", help="the HTML file (default: <workdir>/<experiment>/report.html); results.json goes beside it")
    report_parser.set_defaults(func=cmd_report)

    status = commands.add_parser("status", help="each task's state: stored, queued, running, failed (with its log), not run")
    status.add_argument("config", help=CONFIG_HELP)
    status.add_argument("--target-stage", help=STAGE_HELP)
    status.add_argument("--workdir", default="runs", help=WORKDIR_HELP)
    status.set_defaults(func=cmd_status)

    cancel = commands.add_parser("cancel", help="cancel the config's queued and running Slurm jobs")
    cancel.add_argument("config", help=CONFIG_HELP)
    cancel.add_argument("--target-stage", help=STAGE_HELP)
    cancel.add_argument("--workdir", default="runs", help=WORKDIR_HELP)
    cancel.set_defaults(func=cmd_cancel)

    verify = commands.add_parser("verify", help="check the stored results of a config against their sizes and hashes")
    verify.add_argument("config", help=CONFIG_HELP)
    verify.add_argument("--workdir", default="runs", help=WORKDIR_HELP)
    verify.set_defaults(func=cmd_verify)

    shell = commands.add_parser("shell", help="a shell in a task's prepared environment (fetches in place)")
    shell.add_argument("config", help=CONFIG_HELP)
    shell.add_argument("label", help="the task's label (`translations graph CONFIG` lists them)")
    shell.add_argument("--workdir", default="runs", help=WORKDIR_HELP)
    shell.set_defaults(func=cmd_shell)

    datasets = commands.add_parser("datasets", help="where each dataset comes from, and whether it is reachable")
    datasets.add_argument("config", help=CONFIG_HELP)
    datasets.set_defaults(func=cmd_datasets)

    train = commands.add_parser("train", help="trigger the Train action on Taskcluster with a config")
    train.add_argument("config", help=CONFIG_HELP)
    train.add_argument("--task-group", required=True, help="a decision task's group id (its task id)")
    train.add_argument("--target-stage", help=STAGE_HELP)
    train.add_argument("--previous-group-ids", nargs="*", help="reuse these groups' completed tasks")
    train.add_argument("--start-task-prefix", help="rerun tasks with this label prefix and everything downstream")
    train.set_defaults(func=cmd_train)

    cache = commands.add_parser("cache", help="task results and their digests")
    cache_commands = cache.add_subparsers(dest="cache_command", required=True, metavar="COMMAND", help="one of:")
    explain = cache_commands.add_parser("explain", help="say why a task would or would not be reused")
    explain.add_argument("config", help=CONFIG_HELP)
    explain.add_argument("label", help="the task's label (`translations graph CONFIG` lists them)")
    explain.add_argument("--workdir", default="runs", help="compare with this local store (default: ./runs)")
    explain.add_argument("--previous", type=Path, help="compare with a previous full-task-graph.json instead")
    explain.set_defaults(func=cmd_cache_explain)

    docs = commands.add_parser("config-docs", help="print the config reference (docs/config.md)")
    docs.set_defaults(func=cmd_config_docs)
    return main


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    logging.getLogger("taskgraph").setLevel(logging.WARNING)  # the graph's details: `graph --json`
    try:
        return args.func(args)
    except UserError as error:
        for line in str(error).splitlines():
            print(f"error: {line}", file=sys.stderr)
        return EXIT_USER_ERROR


if __name__ == "__main__":
    sys.exit(main())
