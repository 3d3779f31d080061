"""Forward+backward time of torch.nn.LSTM on the sizes of models/lstm_fmnist
(28 steps, batch 64, 28 inputs, 128 hidden units), for scripts/bench/lstm_bench.sh.
The input takes a gradient and the output's gradient is all ones, as in
`cnn time` on scripts/bench/lstm_bench.prototxt."""
import argparse
import time

import torch


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iterations", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=28)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--inputs", type=int, default=28)
    ap.add_argument("--hidden", type=int, default=128)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    lstm = torch.nn.LSTM(a.inputs, a.hidden)
    x = torch.randn(a.steps, a.batch, a.inputs, requires_grad=True)
    ones = torch.ones(a.steps, a.batch, a.hidden)

    def step():
        lstm.zero_grad(set_to_none=False)
        x.grad = None
        out, _ = lstm(x)
        out.backward(ones)

    for _ in range(a.warmup):
        step()
    start = time.perf_counter()
    for _ in range(a.iterations):
        step()
    ms = (time.perf_counter() - start) * 1000.0 / a.iterations
    print(f"torch {torch.__version__}, {a.threads} threads")
    print(f"torch forward-backward ms {ms:.3f}")


if __name__ == "__main__":
    main()
