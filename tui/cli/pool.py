"""`nitrodeck pool show | plan | apply`: the enclave CPU and memory pool (the allocator).

`plan` and `apply` take allocator.yaml's keys as flags (`--memory`, `--cpu-count`,
`--cpu-pool`) or from `--config allocator.yaml`; flags win over the file, and a key given
nowhere keeps its current value. `plan` changes nothing and lists every rule the change would
break (exit 1 when there is one); `apply` refuses such a change with the allocator's message.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from core.errors import NitrodeckError, UsageError
from core.platform.allocator import parse_allocator_yaml, preview_steps
from core.platform.base import HostInfo, PoolConfig, PoolPlan, PoolState
from core.platform.cpulist import format_cpulist
from core.platform.shapes import host_json, plan_json, pool_json
from tui.cli.enclaves import platform_of
from tui.cli.output import print_json
from tui.cli.pool_fit import register_fit


def register(subparsers: Any) -> None:
    pool = subparsers.add_parser("pool", help="the enclave CPU and memory pool (allocator)")
    sub = pool.add_subparsers(dest="pool_command", metavar="ACTION")
    show = sub.add_parser("show", help="the host's CPUs, NUMA nodes, hugepages and the pool")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=cmd_show)
    for name, handler, text in (
        ("plan", cmd_plan, "what apply would do and every rule it breaks (changes nothing)"),
        ("apply", cmd_apply, "reserve the pool, like nitro-enclaves-allocator.service"),
    ):
        action = sub.add_parser(name, help=text)
        action.add_argument("--memory", type=int, metavar="MIB", help="memory_mib")
        cpus = action.add_mutually_exclusive_group()
        cpus.add_argument("--cpu-count", type=int, metavar="N", help="cpu_count")
        cpus.add_argument("--cpu-pool", metavar="LIST", help="cpu_pool, e.g. 2,3,6-9")
        action.add_argument("--config", metavar="allocator.yaml", help="read the keys from here")
        action.add_argument("--json", action="store_true")
        action.set_defaults(handler=handler)
    register_fit(sub)


def requested_config(args: argparse.Namespace, current: PoolConfig | None) -> PoolConfig:
    """Flags over `--config` over the current pool's settings."""
    base = current or PoolConfig(memory_mib=None)
    if args.config:
        try:
            base = parse_allocator_yaml(Path(args.config).read_text(), where=args.config)
        except OSError as error:
            raise NitrodeckError(
                f"cannot read {args.config}: {error.strerror}", fix="check the --config path"
            ) from error
        except ValueError as error:
            raise NitrodeckError(str(error), where=args.config) from error
    memory = args.memory if args.memory is not None else base.memory_mib
    if args.cpu_count is not None:
        return PoolConfig(memory_mib=memory, cpu_count=args.cpu_count)
    if args.cpu_pool is not None:
        return PoolConfig(memory_mib=memory, cpu_pool=args.cpu_pool)
    return PoolConfig(memory_mib=memory, cpu_count=base.cpu_count, cpu_pool=base.cpu_pool)


def cmd_show(args: argparse.Namespace) -> int:
    platform = platform_of(args)
    host, pool = platform.host_info(), platform.pool_state()
    if args.json:
        print_json({"Host": host_json(host), "Pool": pool_json(pool)})
        return 0
    sys.stdout.write(render_show(host, pool))
    return 0


def cmd_plan(args: argparse.Namespace) -> int:
    platform = platform_of(args)
    plan = platform.plan_pool(requested_config(args, platform.pool_state().config))
    if args.json:
        print_json(plan_json(plan))
    else:
        sys.stdout.write(render_plan(plan))
    return 0 if plan.ok else 1


def cmd_apply(args: argparse.Namespace) -> int:
    platform = platform_of(args)
    config = requested_config(args, platform.pool_state().config)
    if not (args.memory or args.cpu_count or args.cpu_pool or args.config):
        raise UsageError(
            "pool apply needs at least one of --memory, --cpu-count, --cpu-pool, --config",
            fix="see what would change first with nitrodeck pool plan …",
        )
    plan = platform.plan_pool(config)
    state = platform.apply_pool(config)
    if args.json:
        print_json({"Plan": plan_json(plan), "Pool": pool_json(state)})
    else:
        sys.stdout.write("".join(f"{step}\n" for step in plan.steps))
    return 0


def render_show(host: HostInfo, pool: PoolState) -> str:
    """A readable host and pool summary."""
    lines = [
        f"{host.instance_type} ({host.platform}) {host.instance_id} in {host.region}, "
        f"{host.architecture}",
        f"  {len(host.cpus)} vCPUs, {host.threads_per_core} thread(s) per core, "
        f"{len(host.numa_nodes)} NUMA node(s), {host.memory_mib} MiB",
    ]
    for node in host.numa_nodes:
        cpus = [c.cpu for c in host.cpus if c.node == node]
        lines.append(f"  node {node}: CPUs {format_cpulist(cpus)}")
    cpu0 = host.cpu(0)
    if cpu0:
        lines.append(
            f"  CPU 0 and its siblings ({format_cpulist(cpu0.siblings)}) stay with the parent"
        )
    config = pool.config
    wanted = (
        "none"
        if config is None
        else (
            f"memory_mib: {config.memory_mib}, "
            + (
                f"cpu_count: {config.cpu_count}"
                if config.cpu_count is not None
                else f"cpu_pool: {config.cpu_pool}"
            )
        )
    )
    lines += [
        "",
        f"Enclave pool ({wanted})",
        f"  CPUs {format_cpulist(pool.cpus) or 'none'} on node {pool.node}; "
        f"in use {format_cpulist(pool.used_cpus) or 'none'}",
        f"  memory {pool.memory_mib} MiB in hugepages; in use {pool.used_memory_mib} MiB; "
        f"{pool.enclaves} enclave(s) running",
    ]
    for h in pool.hugepages:
        lines.append(f"  hugepages-{h.size_kib}kB on node {h.node}: {h.count}")
    return "\n".join(lines) + "\n"


def render_plan(plan: PoolPlan) -> str:
    lines = [f"  {step}" for step in preview_steps(plan)]
    if plan.ok:
        lines.append(
            f"Plan: CPUs {format_cpulist(plan.cpus)} on node {plan.node}, {plan.memory_mib} MiB "
            "of hugepages. Nothing changed; run `nitrodeck pool apply` with the same options."
        )
    else:
        lines.append(f"Plan: {len(plan.violations)} rule(s) broken, apply would fail:")
        lines += [f"  ✗ {v}" for v in plan.violations]
    return "\n".join(lines) + "\n"
