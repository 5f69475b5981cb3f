// The size expressions of kernel declarations ("n*cIn*h*w", "len(idx)*dim",
// "batch*m*n*k == 0 ? 0 : (batch-1)*strideA + m*k"): parsed once, then evaluated in TypeScript
// (the generic kernel test sizes its inputs by them) or written as C++ (the native binding
// checks every array against them, kernels.gen.h). Integers, names, + - * /, parentheses,
// len(tensor), numel(shape) and one `a == b ? x : y`.

export type SizeExpr =
  | { op: 'num'; value: number }
  | { op: 'name'; name: string }
  | { op: 'len' | 'numel'; name: string }
  | { op: '+' | '-' | '*' | '/'; a: SizeExpr; b: SizeExpr }
  | { op: '?'; left: SizeExpr; right: SizeExpr; then: SizeExpr; else: SizeExpr };

export function parseSize(text: string): SizeExpr {
  const tokens = text.match(/\d+|[A-Za-z_]\w*|==|[-+*/()?:]/g) ?? [];
  if (tokens.join('') !== text.replace(/\s+/g, '')) throw new Error(`size expression '${text}': unexpected characters`);
  let i = 0;
  const peek = () => tokens[i];
  const take = (want?: string): string => {
    const t = tokens[i++];
    if (t === undefined || (want !== undefined && t !== want)) throw new Error(`size expression '${text}': expected ${want ?? 'more'}`);
    return t;
  };
  const atom = (): SizeExpr => {
    const t = take();
    if (t === '(') { const e = sum(); take(')'); return e; }
    if (/^\d+$/.test(t)) return { op: 'num', value: Number(t) };
    if (peek() === '(' && (t === 'len' || t === 'numel')) { take('('); const name = take(); take(')'); return { op: t, name }; }
    if (/^[A-Za-z_]/.test(t)) return { op: 'name', name: t };
    throw new Error(`size expression '${text}': unexpected '${t}'`);
  };
  const product = (): SizeExpr => {
    let e = atom();
    while (peek() === '*' || peek() === '/') { const op = take() as '*' | '/'; e = { op, a: e, b: atom() }; }
    return e;
  };
  const sum = (): SizeExpr => {
    let e = product();
    while (peek() === '+' || peek() === '-') { const op = take() as '+' | '-'; e = { op, a: e, b: product() }; }
    return e;
  };
  const conditional = (): SizeExpr => {
    const left = sum();
    if (peek() !== '==') return left;
    take('=='); const right = sum(); take('?'); const then = sum(); take(':');
    return { op: '?', left, right, then, else: sum() };
  };
  const e = conditional();
  if (i !== tokens.length) throw new Error(`size expression '${text}': unexpected '${tokens[i]}'`);
  return e;
}

export interface SizeScope {
  scalar(name: string): number;
  len(tensor: string): number;
  numel(shape: string): number;
}

/** The value of e; division by zero gives 0 (an empty operand). */
export function evalSize(e: SizeExpr, s: SizeScope): number {
  switch (e.op) {
    case 'num': return e.value;
    case 'name': return s.scalar(e.name);
    case 'len': return s.len(e.name);
    case 'numel': return s.numel(e.name);
    case '+': return evalSize(e.a, s) + evalSize(e.b, s);
    case '-': return evalSize(e.a, s) - evalSize(e.b, s);
    case '*': return evalSize(e.a, s) * evalSize(e.b, s);
    case '/': { const d = evalSize(e.b, s); return d === 0 ? 0 : Math.floor(evalSize(e.a, s) / d); }
    case '?': return evalSize(e.left, s) === evalSize(e.right, s) ? evalSize(e.then, s) : evalSize(e.else, s);
  }
}

/** C++ for e, with overflow-checked arithmetic through the binding's Reader `r`. */
export function sizeToCpp(e: SizeExpr, ref: (name: string) => string): string {
  switch (e.op) {
    case 'num': return String(e.value);
    case 'name': return ref(e.name);
    case 'len': return `${e.name}.length`;
    case 'numel': return `r.numel(${e.name})`;
    case '+': return `r.add(${sizeToCpp(e.a, ref)}, ${sizeToCpp(e.b, ref)})`;
    case '-': return `(${sizeToCpp(e.a, ref)} - ${sizeToCpp(e.b, ref)})`;
    case '*': return `r.mul(${sizeToCpp(e.a, ref)}, ${sizeToCpp(e.b, ref)})`;
    case '/': return `r.div(${sizeToCpp(e.a, ref)}, ${sizeToCpp(e.b, ref)})`;
    case '?': return `(${sizeToCpp(e.left, ref)} == ${sizeToCpp(e.right, ref)} ? ${sizeToCpp(e.then, ref)} : ${sizeToCpp(e.else, ref)})`;
  }
}
