"""cnn.log: train and test tables from our glog logs, our JSON logs and
Caffe's logs (either glog date prefix), as pycaffe's parse_log.py gives."""
import csv
import os
import subprocess
import sys
import unittest

import cnn.log
from cnn_test_util import ScratchTestCase, run_tool

# BVLC Caffe's lines, the older glog prefix (MMDD).
CAFFE_LOG = '''Log file created at: 2016/11/23 12:00:00
I1123 12:00:00.000000  4242 solver.cpp:218] Iteration 0 (0 iter/s, 0.1s/100 iters), loss = 2.3
I1123 12:00:00.000000  4242 solver.cpp:237]     Train net output #0: loss = 2.3 (* 1 = 2.3 loss)
I1123 12:00:00.000000  4242 sgd_solver.cpp:105] Iteration 0, lr = 0.01
I1123 12:00:00.000000  4242 solver.cpp:330] Iteration 0, Testing net (#0)
I1123 12:00:01.500000  4242 solver.cpp:397]     Test net output #0: accuracy = 0.1
I1123 12:00:01.500000  4242 solver.cpp:397]     Test net output #1: loss = 2.31 (* 1 = 2.31 loss)
I1123 12:01:40.000000  4242 solver.cpp:218] Iteration 100 (1 iter/s, 100s/100 iters), loss = 0.9
I1123 12:01:40.000000  4242 solver.cpp:237]     Train net output #0: loss = 0.9 (* 1 = 0.9 loss)
I1123 12:01:40.000000  4242 sgd_solver.cpp:105] Iteration 100, lr = 0.009
'''

NET = '''name: "tiny"
layer { name: "data" type: "DummyData" top: "x" top: "y"
  dummy_data_param { shape { dim: 4 dim: 3 } shape { dim: 4 }
                     data_filler { type: "gaussian" } data_filler { type: "constant" value: 1 } } }
layer { name: "ip" type: "InnerProduct" bottom: "x" top: "ip" inner_product_param { num_output: 2 } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "y" top: "loss" }
layer { name: "acc" type: "Accuracy" bottom: "ip" bottom: "y" top: "acc" include { phase: TEST } }
'''
SOLVER = '''net: "{}" base_lr: 0.1 lr_policy: "fixed" max_iter: 6 display: 2 test_interval: 3 test_iter: 1
random_seed: 1 snapshot_after_train: false'''


class TestLog(ScratchTestCase):
    def test_caffe_log(self):
        for prefix in ('1123', '20161123'):
            path = self.write('caffe.log', CAFFE_LOG.replace('I1123 ', 'I' + prefix + ' '))
            train, test = cnn.log.parse_log(path)
            self.assertEqual(train, [{'NumIters': 0, 'Seconds': 0.0, 'loss': 2.3, 'LearningRate': 0.01},
                                     {'NumIters': 100, 'Seconds': 100.0, 'loss': 0.9, 'LearningRate': 0.009}])
            self.assertEqual(test, [{'NumIters': 0, 'Seconds': 1.5, 'accuracy': 0.1, 'loss': 2.31}])

    def test_our_logs_text_and_json(self):
        net = self.write('net.prototxt', NET)
        solver = self.write('solver.prototxt', SOLVER.format(net))
        jsonl = os.path.join(self.dir, 'run.jsonl')
        rc, out, err = run_tool('train', '--solver=' + solver, '--log_json=' + jsonl)
        self.assertEqual(rc, 0, err)
        text = self.write('run.log', err)
        tables = [cnn.log.parse_log(text), cnn.log.parse_log(jsonl)]
        for train, test in tables:
            self.assertEqual([r['NumIters'] for r in train], [0, 2, 4, 6])
            self.assertEqual([r['NumIters'] for r in test], [0, 3, 6])
            # The last row is the closing "Iteration 6, loss = ..." line, without a rate.
            self.assertEqual([r.get('LearningRate') for r in train[:3]], [0.1] * 3, train)
            self.assertTrue(all(set(r) >= {'acc', 'loss', 'Seconds'} for r in test), test)
        # Both forms carry the same figures (the text log prints 6 digits).
        for a, b in zip(tables[0][0] + tables[0][1], tables[1][0] + tables[1][1]):
            self.assertAlmostEqual(a['loss'], b['loss'], delta=1e-5 * abs(b['loss']) + 1e-6)

    def test_csv_command_and_errors(self):
        path = self.write('caffe.log', CAFFE_LOG)
        proc = subprocess.run([sys.executable, '-m', 'cnn.log', path, self.dir], capture_output=True, text=True)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        with open(path + '.train') as f:
            rows = list(csv.DictReader(f))
        self.assertEqual(rows[1]['NumIters'], '100')
        self.assertEqual(float(rows[1]['LearningRate']), 0.009)
        with open(path + '.test') as f:
            self.assertEqual(float(list(csv.DictReader(f))[0]['accuracy']), 0.1)
        junk = self.write('junk.log', 'hello\n')
        with self.assertRaisesRegex(ValueError, 'junk.log: neither a JSON log nor glog lines'):
            cnn.log.parse_log(junk)
        with self.assertRaisesRegex(ValueError, "cannot read '.*absent.log'"):
            cnn.log.parse_log(os.path.join(self.dir, 'absent.log'))
        proc = subprocess.run([sys.executable, '-m', 'cnn.log', junk], capture_output=True, text=True)
        self.assertEqual((proc.returncode, proc.stderr.strip()), (1, 'cnn.log: {}: neither a JSON log nor glog lines '
                                                                     '(I1123 12:00:00 ... or I20261123 12:00:00 ...)'
                                                                     .format(junk)))


if __name__ == '__main__':
    unittest.main()
