"""Registry of procedural figure families."""
from __future__ import annotations

from ._base import Edit, Family
from .blocks import Attention, EncoderDecoder, Residual
from .charts import BarChart, LineChart, Pie, Scatter
from .cnn import CNN
from .diagrams import Flowchart, Graph, StateMachine, Timeline, Tree
from .maths import FunctionPlot, Heatmap, Triangle, Vectors, Venn
from .mlp import MLP

__all__ = ["FAMILIES", "get_family", "Edit", "Family"]

FAMILIES: dict[str, Family] = {f.name: f for f in [
    # neural-network diagrams
    MLP(), CNN(), Residual(), EncoderDecoder(), Attention(),
    # charts
    BarChart(), LineChart(), Scatter(), Pie(), Heatmap(),
    # node-and-edge diagrams
    Flowchart(), Tree(), Graph(), StateMachine(), Timeline(),
    # mathematics
    FunctionPlot(), Venn(), Vectors(), Triangle(),
]}


def get_family(name: str) -> Family:
    """The family called `name`; a clear error for an unknown one."""
    try:
        return FAMILIES[name]
    except KeyError:
        raise ValueError(f"unknown family {name!r}; known: {sorted(FAMILIES)}") from None
