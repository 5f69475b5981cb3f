// The native recurrent-cell and attention-softmax kernels behind their declarations
// (src/backend/kernels.ts). The cell kernels read and write through restrict pointers (that is
// what lets them vectorise), so no output may share memory with an input or another output.

#include "../kernels/attention.h"
#include "../kernels/rnn.h"
#include "run.h"

namespace myelin {
namespace binding {

void run(const LstmCellArgs& a) {
  check_disjoint({{&a.gates, "gates"}, {&a.c, "c"}, {&a.h, "h"}}, {&a.xw, &a.hw, &a.cPrev});
  k::lstm_cell_f32(a.xw.f32(), a.hw.f32(), a.cPrev.f32(), a.batch, a.hidden, a.gates.f32(), a.c.f32(), a.h.f32());
}

void run(const LstmCellBackwardArgs& a) {
  check_disjoint({{&a.dGates, "dGates"}, {&a.dcPrev, "dcPrev"}}, {&a.gates, &a.cPrev, &a.c, &a.dh, &a.dc});
  k::lstm_cell_backward_f32(a.gates.f32(), a.cPrev.f32(), a.c.f32(), a.dh.f32(), a.dc.f32(), a.batch, a.hidden, a.dGates.f32(),
                            a.dcPrev.f32());
}

void run(const GruCellArgs& a) {
  check_disjoint({{&a.gates, "gates"}, {&a.h, "h"}}, {&a.xw, &a.hw, &a.hPrev});
  k::gru_cell_f32(a.xw.f32(), a.hw.f32(), a.hPrev.f32(), a.batch, a.hidden, a.gates.f32(), a.h.f32());
}

void run(const GruCellBackwardArgs& a) {
  check_disjoint({{&a.dXw, "dXw"}, {&a.dHw, "dHw"}, {&a.dhPrev, "dhPrev"}}, {&a.gates, &a.hPrev, &a.dh});
  k::gru_cell_backward_f32(a.gates.f32(), a.hPrev.f32(), a.dh.f32(), a.batch, a.hidden, a.dXw.f32(), a.dHw.f32(), a.dhPrev.f32());
}

void run(const AttentionSoftmaxArgs& a) {
  k::attention_softmax_f32(a.scores.f32(), a.batch, a.L, a.S, static_cast<float>(a.scale), a.causal, a.out.f32());
}

void run(const AttentionSoftmaxBackwardArgs& a) {
  k::attention_softmax_backward_f32(a.p.f32(), a.dp.f32(), a.batch, a.L, a.S, static_cast<float>(a.scale), a.causal,
                                    a.dScores.f32());
}

}  // namespace binding
}  // namespace myelin
