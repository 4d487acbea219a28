"""CTranslate2 decoding without a model: Marian's options mapped to the translator's, the
conversion's repairs (the config entry's padding, Marian's position table, the vocabulary
written for the converter) and the batches."""

import math

import numpy as np
import pytest
import yaml
from ctranslate2.converters import marian as converter

from pipeline.common.errors import UserError
from pipeline.translate import ct2_convert, ct2_decode
from pipeline.translate.translate import DECODING
from translations_taskgraph.decoding import method_args


def search(**user):
    return ct2_decode.search({**DECODING, **user})


def test_beam_search_options_map_to_the_translator():
    how = search(**{"beam-size": "6", "normalize": "0.6", "max-length-factor": "2"})
    assert how == ct2_decode.Search(beam_size=6, length_penalty=0.6, max_length_factor=2.0, num_hypotheses=1)
    assert how.options() == {"beam_size": 6, "patience": 2, "num_hypotheses": 1, "length_penalty": 0.6,
                             "sampling_topk": 1, "sampling_temperature": 1.0}
    assert search(**{"n-best": True}).num_hypotheses == 4  # the beam's hypotheses, as Marian's n-best list
    assert search(normalize=False).length_penalty == 0.0 and search(normalize=True).length_penalty == 1.0


def test_sampling_options_map_to_the_translator():
    sampled = search(**{"output-sampling": ["topk", "10", "0.5"], "seed": "7"})
    assert (sampled.beam_size, sampled.sampling_topk, sampled.sampling_temperature, sampled.seed) == (1, 10, 0.5, 7)
    assert sampled.options()["patience"] == 1
    assert (search(**{"output-sampling": ["full", "2"]}).sampling_topk, search(**{"output-sampling": True}).sampling_topk) == (0, 0)
    nbest = search(**{"output-sampling": ["topk", "10", "1.0"], "n-best": True, "beam-size": "3"})
    assert (nbest.beam_size, nbest.num_hypotheses) == (1, 3)  # three samples
    with pytest.raises(UserError, match=r"--output-sampling topk ten: write `full \[TEMPERATURE\]` or `topk K \[TEMPERATURE\]`"):
        search(**{"output-sampling": ["topk", "ten"]})


def test_an_option_without_an_equivalent_is_reported(caplog):
    search(**{"word-penalty": "0.5", "mini-batch-words": "500"})
    assert "without an equivalent: word-penalty" in caplog.text and "mini-batch-words" not in caplog.text


def test_decoding_methods_as_marian_options():
    assert method_args({"method": "beam", "top-k": 10, "temperature": 1.0}) == ""
    assert method_args({"method": "sampling", "top-k": 10, "temperature": 1.0}) == "--output-sampling topk 10 1.0 --seed 1"
    assert method_args({"method": "sampling", "top-k": 0, "temperature": 0.5}) == "--output-sampling full 0.5 --seed 1"


def test_the_config_entry_keeps_one_nul():
    text = b"type: transformer\ndim-emb: 64\n"
    padded = np.frombuffer(text + b"\0" * 15, dtype=np.int8)  # pymarian 1.12.40+: a multiple of 256 bytes
    fixed = ct2_convert.fixed_config(padded)
    assert fixed.tobytes() == text + b"\0" and fixed.dtype == np.int8
    assert yaml.safe_load(fixed[:-1].tobytes()) == {"type": "transformer", "dim-emb": 64}  # what the converter reads


def test_marian_position_table():
    assert ct2_decode.POSITIONS == ct2_convert.POSITIONS  # the decoder's length limit is the converted table
    table = ct2_convert.marian_positions(32, positions=3)
    assert table.shape == (3, 32) and table.dtype == np.float32
    assert np.allclose(table[0], [0] * 16 + [1] * 16)
    assert math.isclose(table[2, 0], math.sin(2), rel_tol=1e-6) and math.isclose(table[2, 16], math.cos(2), rel_tol=1e-6)
    # The last frequency is 1e-4 (Marian: 1e-4^(i/(d/2-1))), not 1e-4^(15/16) as in the converter's own table.
    assert math.isclose(table[2, 15], math.sin(2e-4), rel_tol=1e-5) and math.isclose(table[2, 31], math.cos(2e-4), rel_tol=1e-6)


def test_the_converter_reads_our_vocabulary_back(tmp_path):
    tokens = ["<unk>", "<s>", "</s>", "▁der", 'say "hi"', "a\\b", "\\", "ä:ö", "#", "? x", "'quoted'", "- item", "1: 2"]
    ct2_convert.write_yaml_vocab(tokens, tmp_path / "vocab.yml")
    assert converter.load_vocab(str(tmp_path / "vocab.yml")) == tokens


def test_a_model_the_converter_refuses_is_named():
    assert ct2_convert.not_convertible({"type": "s2s"}) == "type s2s: only transformers convert"
    assert "only self-attention decoders convert" in ct2_convert.not_convertible({"type": "transformer", "transformer-decoder-autoreg": "rnn"})
    assert ct2_convert.not_convertible({"type": "transformer", "transformer-decoder-autoreg": "self-attention"}) == ""


def test_batches_are_sorted_and_within_the_budget():
    sources = [["x"] * length for length in (5, 1, 9, 3, 3, 0)]
    batched = list(ct2_decode.batches(sources, budget=12))
    assert batched == [[1, 3, 4], [0], [2]]  # by length, the empty line in none; n x (longest+1) pieces each
