"""The statistical model's matrix products through numpy's OpenBLAS, on one thread.

thinc's ``NumpyOps`` multiplies with BLIS. On this project's machines (2-core AMD EPYC VMs) BLIS's
``gemm`` is about three times slower than numpy's OpenBLAS on one thread for the model's shapes (e.g.
2000x288 by 288x288: 8.0 ms against 2.6 ms), so the model's layers get ``NumpyOps(use_blis=False)``,
which hands ``gemm`` to ``numpy.dot``. ``en_core_web_sm`` over the 85 fundus articles: 22.5 -> 18.8 CPU
seconds, with the same tags, parse and entities on all 116,195 tokens (tests/test_blas.py checks the
equality on real news). The parser's own transition steps keep their BLIS calls (C level, out of reach).

One thread: a day's volume runs one analysis process per core (flows/analysis_workers.py), and OpenBLAS's
threads would compete for those cores (two threads took more CPU for the same wall time here).
"""
from __future__ import annotations

from spacy.language import Language
from thinc.api import NumpyOps
from threadpoolctl import threadpool_limits


def use_openblas(nlp: Language) -> Language:
    """Give every layer of the pipeline's CPU models numpy's gemm (BLIS-backed ``NumpyOps`` only: a GPU
    or another backend is left as it is), and keep OpenBLAS to one thread in this process."""
    ops = NumpyOps(use_blis=False)
    for _, component in nlp.components:
        model = getattr(component, "model", None)
        if model is None or not hasattr(model, "walk"):
            continue
        for layer in model.walk():
            if type(layer.ops) is NumpyOps and layer.ops.use_blis:
                layer.ops = ops
    threadpool_limits(limits=1, user_api="blas")
    return nlp
