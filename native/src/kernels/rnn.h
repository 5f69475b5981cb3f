// Fused pointwise parts of the LSTM and GRU cells (rnn.cc): one pass over a time step's whole
// gate block, forward and backward, with the semantics of src/backend/js/rnn.ts (the oracle).
// Gate blocks are `hidden` wide in PyTorch's order: LSTM i, f, g, o; GRU r, z, n (the GRU's
// saved gates hold r, z, n and hw_n, 4*hidden per row). Rows are split over the thread pool
// when the batch is large enough to pay for it.
#pragma once

#include <cstdint>

namespace myelin {
namespace kernels {

void lstm_cell_f32(const float* xw, const float* hw, const float* cPrev, int64_t batch, int64_t hidden, float* gates,
                   float* c, float* h);
void lstm_cell_backward_f32(const float* gates, const float* cPrev, const float* c, const float* dh, const float* dc,
                            int64_t batch, int64_t hidden, float* dGates, float* dcPrev);
void gru_cell_f32(const float* xw, const float* hw, const float* hPrev, int64_t batch, int64_t hidden, float* gates,
                  float* h);
void gru_cell_backward_f32(const float* gates, const float* hPrev, const float* dh, int64_t batch, int64_t hidden,
                           float* dXw, float* dHw, float* dhPrev);

/** Name of the instruction set the cell kernels run with here ("avx512", "avx2" or "portable"). */
const char* rnn_cell_path();

}  // namespace kernels
}  // namespace myelin
