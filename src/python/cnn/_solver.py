"""pycaffe's solver classes: one per update rule, each built from a solver prototxt."""
from . import _cnn


def _solver_class(type_name, doc):
    def __init__(self, filename):
        _cnn.Solver.__init__(self, filename, type_name)
    return type(type_name + 'Solver', (_cnn.Solver,), {'__init__': __init__, '__doc__': doc,
                                                      '__module__': __name__})


SGDSolver = _solver_class('SGD', 'Stochastic gradient descent with momentum, from a solver prototxt.')
NesterovSolver = _solver_class('Nesterov', "Nesterov's accelerated gradient, from a solver prototxt.")
AdaGradSolver = _solver_class('AdaGrad', 'AdaGrad, from a solver prototxt.')
RMSPropSolver = _solver_class('RMSProp', 'RMSProp, from a solver prototxt.')
AdaDeltaSolver = _solver_class('AdaDelta', 'AdaDelta, from a solver prototxt.')
AdamSolver = _solver_class('Adam', 'Adam, from a solver prototxt.')
AdamWSolver = _solver_class('AdamW', 'Adam with decoupled weight decay (ours), from a solver prototxt.')

_BY_TYPE = {c.__name__[:-len('Solver')]: c for c in
            (SGDSolver, NesterovSolver, AdaGradSolver, RMSPropSolver, AdaDeltaSolver, AdamSolver,
             AdamWSolver)}


def get_solver(filename):
    """The solver the prototxt's `type` (or old `solver_type`) names."""
    type_name = _cnn._solver_type(filename)
    cls = _BY_TYPE.get(type_name)
    if cls is None:
        # A type registered in C++ but without a class here still builds.
        return _cnn.Solver(filename, type_name)
    return cls(filename)
