"""Pick, for each source sentence, the teacher's n-best hypothesis closest to the reference.

Marian's n-best output has lines `<id> ||| <hypothesis> ||| <features> ||| <score>`, the
hypotheses of sentence 0, then 1, ... (best model score first). For each sentence the
hypothesis with the highest sentence chrF against the reference is kept (ties: the first,
i.e. the model's preference). Every sentence must have at least one hypothesis.
"""

from collections.abc import Iterable, Iterator
from itertools import groupby

from sacrebleu.metrics import CHRF

from pipeline.common.errors import UserError


def parse(nbest: Iterable[str]) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(nbest, 1):
        fields = line.split(" ||| ")
        if len(fields) < 4 or not fields[0].strip().isdigit():
            raise UserError(f"n-best line {number} is not `<id> ||| <hypothesis> ||| <features> ||| <score>`: {line[:80]!r}")
        yield int(fields[0]), " ||| ".join(fields[1:-2])  # a hypothesis may contain the separator


def best_hypotheses(nbest: Iterable[str], references: Iterable[str]) -> Iterator[str]:
    chrf = CHRF()
    groups = groupby(parse(nbest), key=lambda item: item[0])
    expected = -1
    for expected, reference in enumerate(references):
        sentence, hypotheses = next(groups, (None, None))
        if sentence != expected:
            raise UserError(f"n-best output has no hypotheses for sentence {expected} (found {sentence})")
        candidates = [hypothesis for _, hypothesis in hypotheses]
        scores = [chrf.sentence_score(hypothesis, [reference]).score for hypothesis in candidates]
        yield candidates[scores.index(max(scores))]
    extra = next(groups, None)
    if extra is not None:
        raise UserError(f"n-best output has hypotheses for sentence {extra[0]}, beyond the {expected + 1} references")
