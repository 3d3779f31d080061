"""The solvers from Python: the same numbers as `cnn train` on the same
solver file, snapshots and restore, apply_update, callbacks, bad input."""
import os
import re
import signal
import unittest

import numpy as np

import cnn
from cnn_test_util import ScratchTestCase, run_tool, tool_error

# Random inputs (DummyData refills its gaussian every forward, so every
# iteration sees new data drawn from the seeded generator) and fixed labels.
TRAIN_NET = '''
name: "dummy"
layer {
  name: "data" type: "DummyData" top: "data" top: "label"
  dummy_data_param {
    shape { dim: 8 dim: 6 } shape { dim: 8 }
    data_filler { type: "gaussian" std: 1 } data_filler { type: "constant" value: 2 }
  }
}
layer {
  name: "ip1" type: "InnerProduct" bottom: "data" top: "ip1"
  inner_product_param { num_output: 7 weight_filler { type: "xavier" } bias_filler { type: "constant" value: 0.1 } }
}
layer { name: "relu1" type: "ReLU" bottom: "ip1" top: "ip1" }
layer {
  name: "ip2" type: "InnerProduct" bottom: "ip1" top: "ip2"
  inner_product_param { num_output: 4 weight_filler { type: "xavier" } }
}
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip2" bottom: "label" top: "loss" }
'''

SOLVER = '''
net: "{net}"
type: "{type}"
base_lr: 0.05
momentum: {momentum}
weight_decay: 0.001
lr_policy: "fixed"
max_iter: {max_iter}
display: 1
random_seed: 7
snapshot_prefix: "{prefix}"
'''


class SolverTestCase(ScratchTestCase):
    def solver_file(self, type_name='SGD', max_iter=6, name='solver'):
        net = self.write('train.prototxt', TRAIN_NET)
        prefix = os.path.join(self.dir, name)
        momentum = {'AdaGrad': 0, 'RMSProp': 0, 'AdaDelta': 0.95}.get(type_name, 0.9)
        return self.write(name + '.prototxt', SOLVER.format(net=net, type=type_name, max_iter=max_iter, prefix=prefix,
                                                            momentum=momentum))

    def params(self, net):
        return {name: [b.data.copy() for b in blobs] for name, blobs in net.params.items()}

    def assert_same_params(self, a, b, exact=True):
        self.assertEqual(list(a), list(b))
        for name in a:
            for x, y in zip(a[name], b[name]):
                if exact:
                    np.testing.assert_array_equal(x, y, err_msg=name)
                else:
                    np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-6, err_msg=name)


class TestAgainstTheTool(SolverTestCase):
    def check_type(self, type_name, cls):
        iters = 6
        cli_file = self.solver_file(type_name, iters, 'cli')
        rc, _, err = run_tool('train', '--solver=' + cli_file)
        self.assertEqual(rc, 0, err)
        losses = [float(m) for m in re.findall(r'Iteration {}, loss = (\S+)'.format(iters), err)]
        self.assertTrue(losses, err)
        cli_weights = os.path.join(self.dir, 'cli_iter_{}.caffemodel'.format(iters))

        solver = cls(self.solver_file(type_name, iters, 'py'))
        self.assertEqual(solver.type, type_name)
        solver.step(iters)
        self.assertEqual(solver.iter, iters)
        # The tool's last line is the loss of one more forward after training.
        loss = float(solver.net.forward()['loss'])
        self.assertAlmostEqual(loss, losses[-1], delta=1e-5 * max(1, abs(loss)))
        trained = cnn.Net(os.path.join(self.dir, 'train.prototxt'), cli_weights, cnn.TRAIN)
        self.assert_same_params(self.params(solver.net), self.params(trained))

    def test_sgd(self):
        self.check_type('SGD', cnn.SGDSolver)

    def test_adam(self):
        self.check_type('Adam', cnn.AdamSolver)

    def test_adamw(self):
        self.check_type('AdamW', cnn.AdamWSolver)

    def test_nesterov(self):
        self.check_type('Nesterov', cnn.NesterovSolver)


class TestSolver(SolverTestCase):
    def test_get_solver_follows_the_file(self):
        for type_name, cls in (('SGD', cnn.SGDSolver), ('AdaGrad', cnn.AdaGradSolver),
                               ('RMSProp', cnn.RMSPropSolver), ('AdaDelta', cnn.AdaDeltaSolver)):
            solver = cnn.get_solver(self.solver_file(type_name))
            self.assertIsInstance(solver, cls)
            self.assertEqual(solver.type, type_name)
        # The class wins over the file's type, as in pycaffe.
        self.assertEqual(cnn.AdamSolver(self.solver_file('SGD')).type, 'Adam')

    def test_snapshot_restore_resumes_exactly(self):
        a = cnn.SGDSolver(self.solver_file())
        a.step(3)
        model = a.snapshot()
        state = model.replace('.caffemodel', '.solverstate')
        self.assertTrue(os.path.exists(model) and os.path.exists(state))
        b = cnn.SGDSolver(self.solver_file())
        b.restore(state)
        self.assertEqual(b.iter, 3)
        self.assert_same_params(self.params(a.net), self.params(b.net))
        # The same data for both (DummyData draws from the global generator),
        # so equal weights after the step mean the momentum was restored too.
        cnn.set_random_seed(99)
        a.step(2)
        cnn.set_random_seed(99)
        b.step(2)
        self.assert_same_params(self.params(a.net), self.params(b.net))

    def test_solve(self):
        solver = cnn.SGDSolver(self.solver_file(max_iter=4))
        solver.solve()
        self.assertEqual(solver.iter, 4)
        self.assertFalse(solver.stopped_early)  # no early_stop_output
        self.assertTrue(os.path.exists(os.path.join(self.dir, 'solver_iter_4.caffemodel')))

    def test_apply_update_by_hand_equals_step(self):
        # Each solver reseeds the generator when built (random_seed), so each
        # sees the same initial weights and, right after, the same data.
        a = cnn.SGDSolver(self.solver_file())
        a.step(1)
        b = cnn.SGDSolver(self.solver_file())
        b.net.clear_param_diffs()
        b.net.forward()
        b.net.backward()
        b.apply_update()
        self.assert_same_params(self.params(a.net), self.params(b.net))

    def test_callbacks(self):
        solver = cnn.SGDSolver(self.solver_file())
        events = []
        solver.add_callback(lambda: events.append(('start', solver.iter)),
                            lambda: events.append(('gradients', float(np.abs(solver.net.params['ip2'][0].diff).sum()))))
        solver.step(2)
        self.assertEqual([e[0] for e in events], ['start', 'gradients', 'start', 'gradients'])
        self.assertEqual([e[1] for e in events if e[0] == 'start'], [0, 1])
        self.assertTrue(all(e[1] > 0 for e in events if e[0] == 'gradients'))

    def test_callback_errors_propagate(self):
        solver = cnn.SGDSolver(self.solver_file())

        def fail():
            raise ZeroDivisionError('from the callback')
        solver.add_callback(fail)
        with self.assertRaises(ZeroDivisionError):
            solver.step(1)
        with self.assertRaises(TypeError):
            solver.add_callback(3)

    def test_test_nets_share_the_weights(self):
        path = self.solver_file()
        with open(path, 'a') as f:
            f.write('test_iter: 2\ntest_interval: 100\n')
        solver = cnn.SGDSolver(path)
        self.assertEqual(len(solver.test_nets), 1)
        test_net = solver.test_nets[0]
        self.assertEqual(test_net.phase, cnn.TEST)
        self.assertEqual(solver.net.phase, cnn.TRAIN)
        solver.step(2)
        self.assert_same_params(self.params(test_net), self.params(solver.net))
        scores = solver.test_all()
        self.assertEqual(len(scores), 1)
        self.assertGreater(scores[0][0], 0)

    def test_ctrl_c_stops_stepping(self):
        solver = cnn.SGDSolver(self.solver_file())

        sent = []

        def interrupt_at_2():
            if solver.iter == 2 and not sent:
                sent.append(True)
                os.kill(os.getpid(), signal.SIGINT)
        solver.add_callback(interrupt_at_2)
        with self.assertRaises(KeyboardInterrupt):
            solver.step(5)
        self.assertLessEqual(solver.iter, 3)
        solver.step(1)  # still usable

    def test_nets_outlive_the_solver(self):
        net = cnn.SGDSolver(self.solver_file()).net
        out = net.forward()
        self.assertGreater(float(out['loss']), 0)

    def test_bad_input(self):
        missing = os.path.join(self.dir, 'missing_solver.prototxt')
        with self.assertRaises(RuntimeError) as ctx:
            cnn.SGDSolver(missing)
        self.assertEqual(str(ctx.exception), tool_error('train', '--solver=' + missing))
        with self.assertRaises(RuntimeError):
            cnn.get_solver(missing)
        bad_type = self.solver_file('NoSuchSolver')
        with self.assertRaises(RuntimeError) as ctx:
            cnn.get_solver(bad_type)
        self.assertEqual(str(ctx.exception), tool_error('train', '--solver=' + bad_type))
        solver = cnn.SGDSolver(self.solver_file())
        with self.assertRaises(ValueError):
            solver.step(-1)
        with self.assertRaises(RuntimeError):
            solver.restore(os.path.join(self.dir, 'missing.solverstate'))


if __name__ == '__main__':
    unittest.main()
