// The machine's sgemm throughput through OpenBLAS: the ceiling for the
// convolution and inner-product layers, which are sgemm calls. Built and run
// by cpu_time.sh:  g++ -O2 sgemm_peak.cpp -lopenblas && ./a.out [N] [REPEATS]
#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 2048;
  const int repeats = argc > 2 ? std::atoi(argv[2]) : 10;
  if (n <= 0 || repeats <= 0) {
    std::fprintf(stderr, "usage: sgemm_peak [N>0] [REPEATS>0]\n");
    return 1;
  }
  std::vector<float> a(static_cast<size_t>(n) * n), b(a.size()), c(a.size());
  std::mt19937 rng(1701);
  std::uniform_real_distribution<float> dist(-1.f, 1.f);
  for (auto& x : a) x = dist(rng);
  for (auto& x : b) x = dist(rng);

  auto run = [&] {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.f, a.data(), n, b.data(), n, 0.f, c.data(), n);
  };
  run();  // warm-up: thread start, page faults
  std::vector<double> seconds;
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    run();
    seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(seconds.begin(), seconds.end());
  const double flop = 2.0 * n * n * n;
  std::printf("sgemm %d^3: %.1f GFLOP/s median, %.1f best (%d runs; OpenBLAS %d threads, core %s)\n", n,
              flop / seconds[seconds.size() / 2] / 1e9, flop / seconds[0] / 1e9, repeats, openblas_get_num_threads(),
              openblas_get_corename());
  return 0;
}
