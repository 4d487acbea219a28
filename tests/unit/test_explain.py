"""`cache explain`'s comparison of two records of a task."""

from translations_taskgraph.local.explain import differences


def test_every_kind_of_input_difference():
    old = {
        "inputs": {"command": "a", "env": {"X": "1", "Y": "2"}, "files": {"p/a.py": "1", "p/b.py": "2"}, "docker-image": "i1"},
        "upstreams": {"up-1": "d1", "up-2": "d2"},
    }
    new = {
        "inputs": {"command": "b", "env": {"X": "1", "Z": "3"}, "files": {"p/a.py": "9", "p/c.py": "3"}, "docker-image": "i2"},
        "upstreams": {"up-1": "d9", "up-3": "d3"},
    }
    assert differences(old, new) == [
        "command changed:\n    was: a\n    now: b",
        "env Y changed: '2' -> None",
        "env Z changed: None -> '3'",
        "file changed: p/a.py",
        "file removed: p/b.py",
        "file added: p/c.py",
        "docker image changed",
        "upstream task changed: up-1 (explain it to see why)",
        "upstream task no longer used: up-2",
        "new upstream task: up-3",
    ]
    assert differences(old, old) == []
