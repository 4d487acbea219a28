import numpy as np

from pipeline.common.hashset import HashSet


def test_matches_a_python_set_through_growth_and_collisions():
    rng = np.random.default_rng(7)
    # Few distinct low bits: many keys share a home slot, so probing is exercised.
    pool = (rng.integers(0, 2**63, 3000, dtype=np.uint64) << np.uint64(8)) | np.uint64(5)
    pool[:3] = [0, 1, 5]
    members, hashes = set(), HashSet(capacity=16)
    for _ in range(40):
        batch = rng.choice(pool, 500)
        new = hashes.add(batch)
        expected = []
        for key in (1 if key == 0 else int(key) for key in batch):
            expected.append(key not in members)
            members.add(key)
        assert new.tolist() == expected
    assert len(hashes) == len(members)
    probe = np.concatenate([pool, rng.integers(0, 2**63, 1000, dtype=np.uint64)])
    assert hashes.contains(probe).tolist() == [(1 if key == 0 else int(key)) in members for key in probe]
    # Adding them all back, only the non-members are new.
    keys = [1 if k == 0 else int(k) for k in probe]
    expected = [key not in members and key not in keys[:index] for index, key in enumerate(keys)]
    assert hashes.add(probe).tolist() == expected


def test_memory_is_at_most_16_bytes_per_member():
    hashes = HashSet()
    hashes.add(np.random.default_rng(1).integers(1, 2**63, 1_000_000, dtype=np.uint64))
    assert len(hashes) == 1_000_000
    assert hashes.nbytes <= 16 * 1_000_000 * 1.1
