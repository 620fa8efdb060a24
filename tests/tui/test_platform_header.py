"""The header adapter over a Platform: host read once, pool on every refresh, opened lazily."""

from __future__ import annotations

from dataclasses import dataclass

from tui.platform_header import PlatformHeaderProvider


@dataclass(frozen=True)
class Host:
    platform: str
    instance_type: str
    instance_id: str
    region: str


@dataclass(frozen=True)
class Pool:
    cpus: tuple[int, ...]
    used_cpus: tuple[int, ...]
    used_memory_mib: int
    memory_mib: int


class FakePlatform:
    def __init__(self, name: str) -> None:
        self.name = name
        self.host_calls = 0
        self.pool = Pool((2, 3, 6, 7), (2, 6), 1024, 4096)

    def host_info(self) -> Host:
        self.host_calls += 1
        return Host(self.name, "m5.2xlarge", "i-0123456789abcdef0", "eu-west-1")

    def pool_state(self) -> Pool:
        return self.pool


def test_sim_platform_is_labelled_simulator_with_pool_use() -> None:
    platform = FakePlatform("sim")
    opened: list[FakePlatform] = []
    provider = PlatformHeaderProvider(lambda: opened.append(platform) or platform)
    assert opened == []  # nothing is opened until the header first asks
    info = provider.header_info()
    assert info.platform_label() == "SIMULATOR (i-0123456789abcdef0, m5.2xlarge, eu-west-1)"
    assert info.pool_label() == "CPUs 2/4 · memory 1024/4096 MiB"
    platform.pool = Pool((2, 3, 6, 7), (), 0, 4096)
    assert provider.header_info().pool_label() == "CPUs 0/4 · memory 0/4096 MiB"
    assert platform.host_calls == 1 and len(opened) == 1


def test_nitro_platform_shows_the_instance() -> None:
    platform = FakePlatform("nitro")
    info = PlatformHeaderProvider(lambda: platform).header_info()
    assert not info.simulated
    assert info.platform_label() == "i-0123456789abcdef0 · m5.2xlarge · eu-west-1"
