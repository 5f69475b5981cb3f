// N-API glue: the fused recurrent cell kernels (kernels/rnn.h). Sizes are checked against every
// array's length here, so the kernels index freely.

#include <initializer_list>
#include <string>
#include <utility>

#include "../kernels/rnn.h"
#include "args.h"

namespace k = myelin::kernels;
using myelin::binding::Args;
using myelin::binding::Array;
using myelin::binding::JsError;

namespace {

/** batch * width, overflow-checked. */
int64_t rows_of(const Args& args, int64_t batch, int64_t width, const char* what) { return args.mul(batch, width, what); }

bool overlap(const Array& a, const Array& b) {
  const char *a0 = static_cast<const char*>(a.data), *b0 = static_cast<const char*>(b.data);
  return a0 < b0 + b.length * 4 && b0 < a0 + a.length * 4;
}

/**
 * The kernels read their inputs and write their outputs through restrict pointers (that is what
 * lets them vectorise), so no output may share memory with an input or another output.
 */
void check_disjoint(const Args& args, std::initializer_list<std::pair<const Array*, const char*>> outputs,
                    std::initializer_list<const Array*> inputs) {
  for (auto o = outputs.begin(); o != outputs.end(); ++o) {
    for (const Array* in : inputs)
      if (overlap(*o->first, *in)) args.fail(JsError::Range, std::string("'") + o->second + "' must not share memory with an input");
    for (auto p = outputs.begin(); p != o; ++p)
      if (overlap(*o->first, *p->first)) args.fail(JsError::Range, std::string("'") + o->second + "' and '" + p->second + "' share memory");
  }
}

}  // namespace

// lstmCell(xw, hw, cPrev, batch, hidden, gates, c, h)
MYELIN_FN(lstmCell) {
  const Array xw = args.f32(0, "xw"), hw = args.f32(1, "hw"), cPrev = args.f32(2, "cPrev");
  const int64_t batch = args.size(3, "batch"), hidden = args.size(4, "hidden");
  const Array gates = args.f32(5, "gates"), c = args.f32(6, "c"), h = args.f32(7, "h");
  const int64_t g = rows_of(args, batch, args.mul(4, hidden, "4 * hidden"), "batch * 4 * hidden");
  const int64_t s = rows_of(args, batch, hidden, "batch * hidden");
  args.need(xw, "xw", g);
  args.need(hw, "hw", g);
  args.need(cPrev, "cPrev", s);
  args.need(gates, "gates", g);
  args.need(c, "c", s);
  args.need(h, "h", s);
  check_disjoint(args, {{&gates, "gates"}, {&c, "c"}, {&h, "h"}}, {&xw, &hw, &cPrev});
  k::lstm_cell_f32(xw.f32(), hw.f32(), cPrev.f32(), batch, hidden, gates.f32(), c.f32(), h.f32());
  return nullptr;
}

// lstmCellBackward(gates, cPrev, c, dh, dc, batch, hidden, dGates, dcPrev)
MYELIN_FN(lstmCellBackward) {
  const Array gates = args.f32(0, "gates"), cPrev = args.f32(1, "cPrev"), c = args.f32(2, "c");
  const Array dh = args.f32(3, "dh"), dc = args.f32(4, "dc");
  const int64_t batch = args.size(5, "batch"), hidden = args.size(6, "hidden");
  const Array dGates = args.f32(7, "dGates"), dcPrev = args.f32(8, "dcPrev");
  const int64_t g = rows_of(args, batch, args.mul(4, hidden, "4 * hidden"), "batch * 4 * hidden");
  const int64_t s = rows_of(args, batch, hidden, "batch * hidden");
  args.need(gates, "gates", g);
  args.need(cPrev, "cPrev", s);
  args.need(c, "c", s);
  args.need(dh, "dh", s);
  args.need(dc, "dc", s);
  args.need(dGates, "dGates", g);
  args.need(dcPrev, "dcPrev", s);
  check_disjoint(args, {{&dGates, "dGates"}, {&dcPrev, "dcPrev"}}, {&gates, &cPrev, &c, &dh, &dc});
  k::lstm_cell_backward_f32(gates.f32(), cPrev.f32(), c.f32(), dh.f32(), dc.f32(), batch, hidden, dGates.f32(),
                            dcPrev.f32());
  return nullptr;
}

// gruCell(xw, hw, hPrev, batch, hidden, gates, h)
MYELIN_FN(gruCell) {
  const Array xw = args.f32(0, "xw"), hw = args.f32(1, "hw"), hPrev = args.f32(2, "hPrev");
  const int64_t batch = args.size(3, "batch"), hidden = args.size(4, "hidden");
  const Array gates = args.f32(5, "gates"), h = args.f32(6, "h");
  const int64_t g3 = rows_of(args, batch, args.mul(3, hidden, "3 * hidden"), "batch * 3 * hidden");
  const int64_t g4 = rows_of(args, batch, args.mul(4, hidden, "4 * hidden"), "batch * 4 * hidden");
  const int64_t s = rows_of(args, batch, hidden, "batch * hidden");
  args.need(xw, "xw", g3);
  args.need(hw, "hw", g3);
  args.need(hPrev, "hPrev", s);
  args.need(gates, "gates", g4);
  args.need(h, "h", s);
  check_disjoint(args, {{&gates, "gates"}, {&h, "h"}}, {&xw, &hw, &hPrev});
  k::gru_cell_f32(xw.f32(), hw.f32(), hPrev.f32(), batch, hidden, gates.f32(), h.f32());
  return nullptr;
}

// gruCellBackward(gates, hPrev, dh, batch, hidden, dXw, dHw, dhPrev)
MYELIN_FN(gruCellBackward) {
  const Array gates = args.f32(0, "gates"), hPrev = args.f32(1, "hPrev"), dh = args.f32(2, "dh");
  const int64_t batch = args.size(3, "batch"), hidden = args.size(4, "hidden");
  const Array dXw = args.f32(5, "dXw"), dHw = args.f32(6, "dHw"), dhPrev = args.f32(7, "dhPrev");
  const int64_t g3 = rows_of(args, batch, args.mul(3, hidden, "3 * hidden"), "batch * 3 * hidden");
  const int64_t g4 = rows_of(args, batch, args.mul(4, hidden, "4 * hidden"), "batch * 4 * hidden");
  const int64_t s = rows_of(args, batch, hidden, "batch * hidden");
  args.need(gates, "gates", g4);
  args.need(hPrev, "hPrev", s);
  args.need(dh, "dh", s);
  args.need(dXw, "dXw", g3);
  args.need(dHw, "dHw", g3);
  args.need(dhPrev, "dhPrev", s);
  check_disjoint(args, {{&dXw, "dXw"}, {&dHw, "dHw"}, {&dhPrev, "dhPrev"}}, {&gates, &hPrev, &dh});
  k::gru_cell_backward_f32(gates.f32(), hPrev.f32(), dh.f32(), batch, hidden, dXw.f32(), dHw.f32(), dhPrev.f32());
  return nullptr;
}

// rnnCellPath(): which copy of the cell kernels runs here ("avx512", "avx2" or "portable")
MYELIN_FN(rnnCellPath) {
  napi_value v;
  const char* name = k::rnn_cell_path();
  if (napi_create_string_utf8(args.env(), name, NAPI_AUTO_LENGTH, &v) != napi_ok)
    args.fail(JsError::Plain, "cannot create a string");
  return v;
}

namespace myelin {
namespace binding {
const Export kRnnExports[] = {
    {"lstmCell", js_lstmCell},
    {"lstmCellBackward", js_lstmCellBackward},
    {"gruCell", js_gruCell},
    {"gruCellBackward", js_gruCellBackward},
    {"rnnCellPath", js_rnnCellPath},
};
const size_t kRnnExportCount = sizeof(kRnnExports) / sizeof(kRnnExports[0]);
}  // namespace binding
}  // namespace myelin
