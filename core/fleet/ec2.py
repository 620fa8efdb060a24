"""Fleet members from EC2: running instances with enclaves enabled (and the given tags).

Each becomes `ssh://[user@]<instance-id>`, reached through the operator's SSH config (the
`Host i-*` block AWS documents for Session Manager's AWS-StartSSHSession), so no address,
key or bastion is decided here. `$AWS_ENDPOINT_URL_EC2` or `endpoint_url` points elsewhere
(tests use a loopback fake).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from core.errors import NitrodeckError, UsageError
from core.remote.target import Target


def parse_tags(specs: Sequence[str]) -> dict[str, str]:
    tags = {}
    for spec in specs:
        key, sep, value = spec.partition("=")
        if not sep or not key:
            raise UsageError(f"{spec!r} is not KEY=VALUE", where="--tag", fix="e.g. --tag role=web")
        tags[key] = value
    return tags


def instance_filters(tags: Mapping[str, str]) -> list[dict[str, Any]]:
    filters: list[dict[str, Any]] = [
        {"Name": "enclave-options.enabled", "Values": ["true"]},
        {"Name": "instance-state-name", "Values": ["running"]},
    ]
    filters += [{"Name": f"tag:{k}", "Values": [v]} for k, v in sorted(tags.items())]
    return filters


def ec2_members(
    tags: Mapping[str, str],
    *,
    region: str | None = None,
    endpoint_url: str | None = None,
    ssh_user: str | None = None,
) -> list[Target]:
    """The matching instances as members, named by their Name tag (else their ID)."""
    import boto3
    import botocore.exceptions

    where = endpoint_url or f"EC2 DescribeInstances ({region or 'default region'})"
    try:
        client = boto3.client("ec2", region_name=region, endpoint_url=endpoint_url)
        pages = client.get_paginator("describe_instances").paginate(Filters=instance_filters(tags))
        instances = [i for page in pages for r in page["Reservations"] for i in r["Instances"]]
    except botocore.exceptions.NoRegionError:
        raise UsageError("no AWS region is set", where=where, fix="pass --region") from None
    except botocore.exceptions.BotoCoreError as error:
        raise NitrodeckError(f"EC2 could not be asked: {error}", where=where) from None
    except botocore.exceptions.ClientError as error:
        info = error.response.get("Error", {})
        raise NitrodeckError(
            f"EC2 refused DescribeInstances: {info.get('Code')}: {info.get('Message')}",
            where=where,
            fix="the credentials need ec2:DescribeInstances",
        ) from None
    user = f"{ssh_user}@" if ssh_user else ""
    named = []
    for instance in sorted(instances, key=lambda i: i["InstanceId"]):
        tags = {t.get("Key"): t.get("Value") for t in instance.get("Tags", [])}
        named.append((tags.get("Name") or instance["InstanceId"], instance["InstanceId"]))
    counts = Counter(name for name, _ in named)
    return [
        Target(
            name=name if counts[name] == 1 else f"{name}/{instance_id}",
            host=f"ssh://{user}{instance_id}",
        )
        for name, instance_id in named
    ]
