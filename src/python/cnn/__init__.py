"""cnn: Caffe-compatible nets from Python, with pycaffe's interface.

A pycaffe script runs with ``import cnn as caffe``: Net, Blob, the solver
classes, cnn.io and cnn.net_spec keep pycaffe's names, arguments and
behaviour over cnn's C++ core.
"""
from ._cnn import (TRAIN, TEST, Blob, Net, Solver, __version__, gpu_count, has_nccl, layer_type_list,
                   set_device, set_mode_cpu, set_mode_gpu, set_random_seed)
from . import _net  # noqa: F401  (adds pycaffe's Python-side members to Net)
from ._layer import BlobList, Layer
from ._solver import (AdaDeltaSolver, AdaGradSolver, AdamSolver, AdamWSolver, NesterovSolver, RMSPropSolver,
                      SGDSolver, get_solver)
from . import io
from .classifier import Classifier
from .net_spec import NetSpec, layers, params, to_proto

__all__ = [
    'TRAIN', 'TEST', 'Blob', 'BlobList', 'Classifier', 'Layer', 'Net', 'Solver', 'SGDSolver', 'NesterovSolver', 'AdaGradSolver',
    'RMSPropSolver', 'AdaDeltaSolver', 'AdamSolver', 'AdamWSolver', 'get_solver', 'set_mode_cpu', 'set_mode_gpu', 'set_device',
    'set_random_seed', 'layer_type_list', 'has_nccl', 'gpu_count', 'io', 'NetSpec', 'layers', 'params',
    'to_proto', '__version__',
]
