/**
 * WebAssembly text of Doppel's own matrix product, C = act(A·B + bias), for the tfjs wasm backend.
 *
 * Why: tfjs-wasm's products (XNNPACK, wasm SIMD without fused multiply-add) ran at 15–21 GFLOP/s on one
 * thread here; a 4×8 register-blocked kernel on relaxed-SIMD `f32x4.relaxed_madd` (an FMA on x86 and
 * ARM) measured ~1.5× that on the same shapes. It imports the backend's own memory, so it reads and
 * writes tensors in place (no copies).
 *
 * Layout: A's element (i, k) is at a + i·sai + k·sak (bytes), so Aᵀ costs nothing (swap the strides);
 * B is [K, N] row-major; C is [M, N] row-major. For each 8-column strip of B (which stays in L1), every
 * 4-row block of A runs one kernel: 8 accumulators + 2 B vectors + 1 broadcast fit x86's 16 vector
 * registers (6×8 and 4×12 spilled and ran slower). Leftover columns: one 4-wide pass, then an
 * overlapping 4-wide pass at N − 4 (recomputes up to 3 columns identically) instead of scalar code.
 *
 * `scripts/build-wasm-gemm.ts` assembles this with wabt into `binary.ts`; a test checks they agree.
 */

export interface GemmWatOptions {
  /** Rows per kernel block. */
  rows?: number;
  /** Rows of B per K chunk. */
  kChunk?: number;
  /** Import a shared memory (the helper thread's copy of the module, see parallel.ts). */
  shared?: boolean;
}

const ZERO = '(v128.const f32x4 0 0 0 0)';
/** The same float32 constant in four lanes. */
function splat(v: string): string {
  return `(v128.const f32x4 ${v} ${v} ${v} ${v})`;
}
/**
 * Magnitudes below this are written as 0. wasm cannot set the CPU's flush-to-zero mode, and x86 runs
 * arithmetic on subnormals (< 1.2e-38) through microcode: one subnormal operand made a product ~250×
 * slower. Flushing at float32's smallest normal was not enough: tfjs's own kernels then scaled such values
 * (a gradient × 1/batch) into subnormals. 1e-30 leaves eight orders of magnitude of headroom and is far
 * below anything that moves a weight.
 */
const FLT_MIN = '1e-30';

/** A vector with its tiny lanes (see FLT_MIN) set to 0, NaN kept. */
function ftz(v: string): string {
  return `(v128.andnot ${v} (f32x4.lt (f32x4.abs ${v}) (v128.const f32x4 ${FLT_MIN} ${FLT_MIN} ${FLT_MIN} ${FLT_MIN})))`;
}

/** The same for one float32 local. */
function ftzLocal(name: string): string {
  return `(select (f32.const 0) (local.get ${name}) (f32.lt (f32.abs (local.get ${name})) (f32.const ${FLT_MIN})))`;
}

function kernel(mr: number, nv: number): string {
  const L: string[] = [];
  const acc = (r: number, v: number) => `$c${r}_${v}`;
  L.push(
    `(func $k${mr}x${nv * 4} (param $a i32) (param $b i32) (param $c i32) (param $N4 i32) (param $K i32)` +
      ` (param $sai i32) (param $sak i32) (param $bias i32) (param $act i32) (param $alpha f32) (param $accum i32)`,
  );
  for (let r = 0; r < mr; r++) {
    L.push(`(local $p${r} i32)`);
    for (let v = 0; v < nv; v++) L.push(`(local ${acc(r, v)} v128)`);
  }
  for (let v = 0; v < nv; v++) L.push(`(local $b${v} v128)`);
  L.push('(local $k i32) (local $bp i32) (local $t v128) (local $al v128)');
  for (let r = 0; r < mr; r++)
    L.push(`(local.set $p${r} (i32.add (local.get $a) (i32.mul (local.get $sai) (i32.const ${r}))))`);
  // Accumulators start at C (a later K chunk), else at the bias, else zero (the locals' default).
  L.push('(if (local.get $accum) (then');
  for (let r = 0; r < mr; r++)
    for (let v = 0; v < nv; v++)
      L.push(
        `(local.set ${acc(r, v)} (v128.load offset=${16 * v} (i32.add (local.get $c) (i32.mul (local.get $N4) (i32.const ${r})))))`,
      );
  L.push(') (else (if (local.get $bias) (then');
  for (let v = 0; v < nv; v++) L.push(`(local.set $b${v} (v128.load offset=${16 * v} (local.get $bias)))`);
  for (let r = 0; r < mr; r++) for (let v = 0; v < nv; v++) L.push(`(local.set ${acc(r, v)} (local.get $b${v}))`);
  L.push('))))');
  L.push('(local.set $bp (local.get $b)) (local.set $k (local.get $K))');
  L.push('(block $done (loop $step');
  L.push('(br_if $done (i32.eqz (local.get $k)))');
  for (let v = 0; v < nv; v++) L.push(`(local.set $b${v} (v128.load offset=${16 * v} (local.get $bp)))`);
  for (let r = 0; r < mr; r++) {
    L.push(`(local.set $t (v128.load32_splat (local.get $p${r})))`);
    for (let v = 0; v < nv; v++)
      L.push(`(local.set ${acc(r, v)} (f32x4.relaxed_madd (local.get $t) (local.get $b${v}) (local.get ${acc(r, v)})))`);
    L.push(`(local.set $p${r} (i32.add (local.get $p${r}) (local.get $sak)))`);
  }
  L.push('(local.set $bp (i32.add (local.get $bp) (local.get $N4)))');
  L.push('(local.set $k (i32.sub (local.get $k) (i32.const 1)))');
  L.push('(br $step)))');
  const each = (f: (x: string) => string) => {
    for (let r = 0; r < mr; r++) for (let v = 0; v < nv; v++) L.push(f(acc(r, v)));
  };
  // act 1 = relu, 2 = leaky relu. pmax(x, 0) and x < 0 keep NaN as NaN, so divergence still shows.
  L.push('(if (i32.eq (local.get $act) (i32.const 1)) (then');
  each((x) => `(local.set ${x} (f32x4.pmax (local.get ${x}) ${ZERO}))`);
  L.push('))');
  L.push('(if (i32.eq (local.get $act) (i32.const 2)) (then');
  L.push('(local.set $al (f32x4.splat (local.get $alpha)))');
  each(
    (x) =>
      `(local.set ${x} (v128.bitselect (f32x4.mul (local.get ${x}) (local.get $al)) (local.get ${x}) (f32x4.lt (local.get ${x}) ${ZERO})))`,
  );
  L.push('))');
  // Tiny results (below FLT_MIN, which covers every subnormal) become 0; NaN is kept.
  for (let r = 0; r < mr; r++)
    for (let v = 0; v < nv; v++)
      L.push(
        `(v128.store offset=${16 * v} (i32.add (local.get $c) (i32.mul (local.get $N4) (i32.const ${r}))) ${ftz(`(local.get ${acc(r, v)})`)})`,
      );
  L.push(')');
  return L.join('\n');
}

/**
 * One column strip of width 4·nv starting at column $j, K in chunks of `kc` rows of B (so the strip's
 * chunk, kc × 4·nv floats, stays in L1 across every row block): the first chunk starts from the bias,
 * later ones add to C, the last applies the activation. Per chunk: full row blocks, then one remainder.
 */
function strip(mr: number, nv: number, kc: number): string {
  const call = (rows: number) =>
    `(call $k${rows}x${nv * 4} (local.get $ap) (local.get $bk) (local.get $cp) (local.get $N4) (local.get $kn)` +
    ' (local.get $sai) (local.get $sak) (local.get $biasc) (local.get $actc) (local.get $alpha) (local.get $k0))';
  const L = [
    '(local.set $bj (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2))))',
    '(local.set $biasj (select (i32.add (local.get $bias) (i32.shl (local.get $j) (i32.const 2))) (i32.const 0) (local.get $bias)))',
    '(local.set $k0 (i32.const 0))',
    '(loop $chunks',
    `(local.set $kn (select (i32.const ${kc}) (i32.sub (local.get $K) (local.get $k0)) (i32.lt_u (i32.const ${kc}) (i32.sub (local.get $K) (local.get $k0)))))`,
    '(local.set $biasc (select (i32.const 0) (local.get $biasj) (local.get $k0)))',
    '(local.set $actc (select (local.get $act) (i32.const 0) (i32.ge_u (i32.add (local.get $k0) (local.get $kn)) (local.get $K))))',
    '(local.set $bk (i32.add (local.get $bj) (i32.mul (local.get $k0) (local.get $N4))))',
    '(local.set $i (i32.const 0)) (local.set $ap (i32.add (local.get $a) (i32.mul (local.get $k0) (local.get $sak))))',
    '(local.set $cp (i32.add (local.get $c) (i32.shl (local.get $j) (i32.const 2))))',
    '(block $rowsDone (loop $rows',
    `(br_if $rowsDone (i32.gt_u (i32.add (local.get $i) (i32.const ${mr})) (local.get $M)))`,
    call(mr),
    `(local.set $i (i32.add (local.get $i) (i32.const ${mr})))`,
    `(local.set $ap (i32.add (local.get $ap) (i32.mul (local.get $sai) (i32.const ${mr}))))`,
    `(local.set $cp (i32.add (local.get $cp) (i32.mul (local.get $N4) (i32.const ${mr}))))`,
    '(br $rows)))',
    '(local.set $rem (i32.sub (local.get $M) (local.get $i)))',
  ];
  for (let r = 1; r < mr; r++) L.push(`(if (i32.eq (local.get $rem) (i32.const ${r})) (then ${call(r)}))`);
  L.push('(local.set $k0 (i32.add (local.get $k0) (local.get $kn)))');
  L.push('(br_if $chunks (i32.lt_u (local.get $k0) (local.get $K))))');
  return L.join('\n');
}

/** Scalar columns, for N < 4 only. */
const SCALAR = `(func $k1x1 (param $a i32) (param $b i32) (param $c i32) (param $N4 i32) (param $K i32) (param $sak i32)
  (param $bias i32) (param $act i32) (param $alpha f32)
  (local $s f32) (local $k i32)
  (if (local.get $bias) (then (local.set $s (f32.load (local.get $bias)))))
  (local.set $k (local.get $K))
  (block $done (loop $step (br_if $done (i32.eqz (local.get $k)))
    (local.set $s (f32.add (local.get $s) (f32.mul (f32.load (local.get $a)) (f32.load (local.get $b)))))
    (local.set $a (i32.add (local.get $a) (local.get $sak)))
    (local.set $b (i32.add (local.get $b) (local.get $N4)))
    (local.set $k (i32.sub (local.get $k) (i32.const 1))) (br $step)))
  (if (i32.eq (local.get $act) (i32.const 1)) (then (if (f32.lt (local.get $s) (f32.const 0)) (then (local.set $s (f32.const 0))))))
  (if (i32.eq (local.get $act) (i32.const 2)) (then (if (f32.lt (local.get $s) (f32.const 0))
    (then (local.set $s (f32.mul (local.get $s) (local.get $alpha)))))))
  (f32.store (local.get $c) ${ftzLocal('$s')}))`;

/** i8x16.shuffle byte indices for picking float lanes (0–3 from the first operand, 4–7 from the second). */
function lanes(...l: number[]): string {
  return l.flatMap((x) => [0, 1, 2, 3].map((b) => 4 * x + b)).join(' ');
}

/**
 * out[j, i] = in[i, j] for an [R, C] matrix (B of an A·Bᵀ product, into scratch): 4×4 blocks through
 * eight shuffles, scalar copies for the edges.
 */
const TRANSPOSE = `(func $tscalar (param $src i32) (param $dst i32) (param $R i32) (param $C i32)
  (param $i0 i32) (param $i1 i32) (param $j0 i32) (param $j1 i32)
  (local $i i32) (local $j i32)
  (local.set $i (local.get $i0))
  (block $iDone (loop $iLoop (br_if $iDone (i32.ge_u (local.get $i) (local.get $i1)))
    (local.set $j (local.get $j0))
    (block $jDone (loop $jLoop (br_if $jDone (i32.ge_u (local.get $j) (local.get $j1)))
      (f32.store (i32.add (local.get $dst) (i32.shl (i32.add (i32.mul (local.get $j) (local.get $R)) (local.get $i)) (i32.const 2)))
        (f32.load (i32.add (local.get $src) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $C)) (local.get $j)) (i32.const 2)))))
      (local.set $j (i32.add (local.get $j) (i32.const 1))) (br $jLoop)))
    (local.set $i (i32.add (local.get $i) (i32.const 1))) (br $iLoop))))
(func (export "transpose") (param $src i32) (param $dst i32) (param $R i32) (param $C i32)
  (local $i i32) (local $j i32) (local $R4 i32) (local $C4 i32) (local $C1 i32) (local $R1 i32) (local $s i32) (local $d i32)
  (local $r0 v128) (local $r1 v128) (local $r2 v128) (local $r3 v128) (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
  (local.set $R4 (i32.and (local.get $R) (i32.const -4)))
  (local.set $C4 (i32.and (local.get $C) (i32.const -4)))
  (local.set $C1 (i32.shl (local.get $C) (i32.const 2)))
  (local.set $R1 (i32.shl (local.get $R) (i32.const 2)))
  (block $iDone (loop $iLoop (br_if $iDone (i32.ge_u (local.get $i) (local.get $R4)))
    (local.set $j (i32.const 0))
    (block $jDone (loop $jLoop (br_if $jDone (i32.ge_u (local.get $j) (local.get $C4)))
      (local.set $s (i32.add (local.get $src) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $C)) (local.get $j)) (i32.const 2))))
      (local.set $r0 (v128.load (local.get $s)))
      (local.set $r1 (v128.load (i32.add (local.get $s) (local.get $C1))))
      (local.set $r2 (v128.load (i32.add (local.get $s) (i32.shl (local.get $C1) (i32.const 1)))))
      (local.set $r3 (v128.load (i32.add (local.get $s) (i32.mul (local.get $C1) (i32.const 3)))))
      (local.set $t0 (i8x16.shuffle ${lanes(0, 4, 1, 5)} (local.get $r0) (local.get $r1)))
      (local.set $t1 (i8x16.shuffle ${lanes(2, 6, 3, 7)} (local.get $r0) (local.get $r1)))
      (local.set $t2 (i8x16.shuffle ${lanes(0, 4, 1, 5)} (local.get $r2) (local.get $r3)))
      (local.set $t3 (i8x16.shuffle ${lanes(2, 6, 3, 7)} (local.get $r2) (local.get $r3)))
      (local.set $d (i32.add (local.get $dst) (i32.shl (i32.add (i32.mul (local.get $j) (local.get $R)) (local.get $i)) (i32.const 2))))
      (v128.store (local.get $d) (i8x16.shuffle ${lanes(0, 1, 4, 5)} (local.get $t0) (local.get $t2)))
      (v128.store (i32.add (local.get $d) (local.get $R1)) (i8x16.shuffle ${lanes(2, 3, 6, 7)} (local.get $t0) (local.get $t2)))
      (v128.store (i32.add (local.get $d) (i32.shl (local.get $R1) (i32.const 1))) (i8x16.shuffle ${lanes(0, 1, 4, 5)} (local.get $t1) (local.get $t3)))
      (v128.store (i32.add (local.get $d) (i32.mul (local.get $R1) (i32.const 3))) (i8x16.shuffle ${lanes(2, 3, 6, 7)} (local.get $t1) (local.get $t3)))
      (local.set $j (i32.add (local.get $j) (i32.const 4))) (br $jLoop)))
    (local.set $i (i32.add (local.get $i) (i32.const 4))) (br $iLoop)))
  (call $tscalar (local.get $src) (local.get $dst) (local.get $R) (local.get $C) (i32.const 0) (local.get $R4) (local.get $C4) (local.get $C))
  (call $tscalar (local.get $src) (local.get $dst) (local.get $R) (local.get $C) (local.get $R4) (local.get $R) (i32.const 0) (local.get $C)))`;

/**
 * One Adam step with L2 weight decay over n floats, read from w, g, m, v and written to new buffers (tfjs
 * tensors are immutable): ~15 small kernels per weight in tfjs become one pass. All three written with tiny
 * values as 0, so products need not scan the weights (see `clean` in install.ts).
 */
const ADAM = `(func (export "adam") (param $w i32) (param $g i32) (param $m i32) (param $v i32)
  (param $wo i32) (param $mo i32) (param $vo i32) (param $n i32)
  (param $lr f32) (param $b1 f32) (param $b2 f32) (param $eps f32) (param $wd f32)
  (local $i i32) (local $o i32) (local $n4 i32)
  (local $W v128) (local $G v128) (local $M v128) (local $V v128)
  (local $LR v128) (local $B1 v128) (local $C1 v128) (local $B2 v128) (local $C2 v128) (local $EPS v128) (local $WD v128)
  (local $ws f32) (local $gs f32) (local $ms f32) (local $vs f32)
  (local.set $LR (f32x4.splat (local.get $lr)))
  (local.set $B1 (f32x4.splat (local.get $b1))) (local.set $C1 (f32x4.splat (f32.sub (f32.const 1) (local.get $b1))))
  (local.set $B2 (f32x4.splat (local.get $b2))) (local.set $C2 (f32x4.splat (f32.sub (f32.const 1) (local.get $b2))))
  (local.set $EPS (f32x4.splat (local.get $eps))) (local.set $WD (f32x4.splat (local.get $wd)))
  (local.set $n4 (i32.and (local.get $n) (i32.const -4)))
  (block $done (loop $vec (br_if $done (i32.ge_u (local.get $i) (local.get $n4)))
    (local.set $o (i32.shl (local.get $i) (i32.const 2)))
    (local.set $W (v128.load (i32.add (local.get $w) (local.get $o))))
    (local.set $G (f32x4.add (v128.load (i32.add (local.get $g) (local.get $o))) (f32x4.mul (local.get $WD) (local.get $W))))
    (local.set $M (f32x4.add (f32x4.mul (local.get $B1) (v128.load (i32.add (local.get $m) (local.get $o)))) (f32x4.mul (local.get $C1) (local.get $G))))
    (local.set $V (f32x4.add (f32x4.mul (local.get $B2) (v128.load (i32.add (local.get $v) (local.get $o))))
      (f32x4.mul (local.get $C2) (f32x4.mul (local.get $G) (local.get $G)))))
    (local.set $M ${ftz('(local.get $M)')})
    (local.set $V ${ftz('(local.get $V)')})
    (v128.store (i32.add (local.get $mo) (local.get $o)) (local.get $M))
    (v128.store (i32.add (local.get $vo) (local.get $o)) (local.get $V))
    (v128.store (i32.add (local.get $wo) (local.get $o)) ${ftz(`(f32x4.sub (local.get $W)
      (f32x4.div (f32x4.mul (local.get $M) (local.get $LR)) (f32x4.add (f32x4.sqrt (local.get $V)) (local.get $EPS))))`)})
    (local.set $i (i32.add (local.get $i) (i32.const 4))) (br $vec)))
  (block $done1 (loop $one (br_if $done1 (i32.ge_u (local.get $i) (local.get $n)))
    (local.set $o (i32.shl (local.get $i) (i32.const 2)))
    (local.set $ws (f32.load (i32.add (local.get $w) (local.get $o))))
    (local.set $gs (f32.add (f32.load (i32.add (local.get $g) (local.get $o))) (f32.mul (local.get $wd) (local.get $ws))))
    (local.set $ms (f32.add (f32.mul (local.get $b1) (f32.load (i32.add (local.get $m) (local.get $o))))
      (f32.mul (f32.sub (f32.const 1) (local.get $b1)) (local.get $gs))))
    (local.set $vs (f32.add (f32.mul (local.get $b2) (f32.load (i32.add (local.get $v) (local.get $o))))
      (f32.mul (f32.sub (f32.const 1) (local.get $b2)) (f32.mul (local.get $gs) (local.get $gs)))))
    (local.set $ms ${ftzLocal('$ms')})
    (local.set $vs ${ftzLocal('$vs')})
    (f32.store (i32.add (local.get $mo) (local.get $o)) (local.get $ms))
    (f32.store (i32.add (local.get $vo) (local.get $o)) (local.get $vs))
    (local.set $ws (f32.sub (local.get $ws)
      (f32.div (f32.mul (local.get $ms) (local.get $lr)) (f32.add (f32.sqrt (local.get $vs)) (local.get $eps)))))
    (f32.store (i32.add (local.get $wo) (local.get $o)) ${ftzLocal('$ws')})
    (local.set $i (i32.add (local.get $i) (i32.const 1))) (br $one))))`;

/** out[b, s] = max of row b over span s's columns; spans = (start, width) i32 pairs. f32.max keeps NaN. */
const SPAN_MAX = `(func (export "spanMax") (param $x i32) (param $out i32) (param $B i32) (param $D i32) (param $spans i32) (param $S i32)
  (local $b i32) (local $s i32) (local $row i32) (local $p i32) (local $end i32) (local $m f32)
  (block $bDone (loop $bLoop (br_if $bDone (i32.ge_u (local.get $b) (local.get $B)))
    (local.set $row (i32.add (local.get $x) (i32.shl (i32.mul (local.get $b) (local.get $D)) (i32.const 2))))
    (local.set $s (i32.const 0))
    (block $sDone (loop $sLoop (br_if $sDone (i32.ge_u (local.get $s) (local.get $S)))
      (local.set $p (i32.add (local.get $row) (i32.shl (i32.load (i32.add (local.get $spans) (i32.shl (local.get $s) (i32.const 3)))) (i32.const 2))))
      (local.set $end (i32.add (local.get $p) (i32.shl (i32.load offset=4 (i32.add (local.get $spans) (i32.shl (local.get $s) (i32.const 3)))) (i32.const 2))))
      (local.set $m (f32.const -inf))
      (block $jDone (loop $jLoop (br_if $jDone (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $m (f32.max (local.get $m) (f32.load (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 4))) (br $jLoop)))
      (f32.store (local.get $out) (local.get $m))
      (local.set $out (i32.add (local.get $out) (i32.const 4)))
      (local.set $s (i32.add (local.get $s) (i32.const 1))) (br $sLoop)))
    (local.set $b (i32.add (local.get $b) (i32.const 1))) (br $bLoop))))`;

/** Gradient through relu / leaky relu from the layer's output: dy where y > 0, else alpha·dy. */
const ACTIVATION_GRAD = `(func (export "activationGrad") (param $dy i32) (param $y i32) (param $out i32) (param $n i32) (param $alpha f32)
  (local $i i32) (local $o i32) (local $n4 i32) (local $A v128) (local $G v128) (local $g f32)
  (local.set $A (f32x4.splat (local.get $alpha)))
  (local.set $n4 (i32.and (local.get $n) (i32.const -4)))
  (block $done (loop $vec (br_if $done (i32.ge_u (local.get $i) (local.get $n4)))
    (local.set $o (i32.shl (local.get $i) (i32.const 2)))
    (local.set $G (v128.load (i32.add (local.get $dy) (local.get $o))))
    (local.set $G (v128.bitselect (local.get $G) (f32x4.mul (local.get $G) (local.get $A))
      (f32x4.gt (v128.load (i32.add (local.get $y) (local.get $o))) ${ZERO})))
    (v128.store (i32.add (local.get $out) (local.get $o)) ${ftz('(local.get $G)')})
    (local.set $i (i32.add (local.get $i) (i32.const 4))) (br $vec)))
  (block $done1 (loop $one (br_if $done1 (i32.ge_u (local.get $i) (local.get $n)))
    (local.set $o (i32.shl (local.get $i) (i32.const 2)))
    (local.set $g (f32.load (i32.add (local.get $dy) (local.get $o))))
    (f32.store (i32.add (local.get $out) (local.get $o)) (select (local.get $g) (f32.mul (local.get $g) (local.get $alpha))
      (f32.gt (f32.load (i32.add (local.get $y) (local.get $o))) (f32.const 0))))
    (local.set $i (i32.add (local.get $i) (i32.const 1))) (br $one))))`;

/**
 * A loop over the softmax spans s (of $S, table at $spans) of the row at byte offset `row`: $start and $end
 * are the span's byte offsets. Uses locals $s, $start, $end.
 */
function eachSpan(row: string, body: string, label = 's'): string {
  return `(local.set $s (i32.const 0))
    (block $${label}Done (loop $${label}Loop (br_if $${label}Done (i32.ge_u (local.get $s) (local.get $S)))
      (call $rowSpans (local.get $spans) (local.get $s) ${row})
      (local.set $end) (local.set $start)
      (local.set $end (i32.add (local.get $start) (local.get $end)))
      ${body}
      (local.set $s (i32.add (local.get $s) (i32.const 1))) (br $${label}Loop)))`;
}

/**
 * Over the current span [$start, $end) (byte offsets), four lanes at a time and then the last width mod 4
 * columns one by one (the caller declares $p $end4 i32, $xs f32, $acc v128; spanSubtractMax also $m f32, $K v128): `spanReduce` leaves the span's
 * max or sum of at(p) in `into`; `spanMap` runs vec(p) on each quad and one(p) on each remaining column.
 * Sums are float32 (a span has at most a few dozen columns). pmax skips a NaN; the callers' later steps keep it.
 */
function spanReduce(op: 'max' | 'sum', at: (p: string) => string, into: string, label: string): string {
  return spanFold(op, (p) => `(v128.load ${at(p)})`, (p) => `(f32.load ${at(p)})`, into, label);
}
/** spanReduce of any four-lane / one-lane expressions (e.g. a product of two rows). */
function spanFold(op: 'max' | 'sum', vec: (p: string) => string, one: (p: string) => string, into: string, label: string): string {
  const combine = op === 'max' ? 'f32x4.pmax' : 'f32x4.add';
  const scalar = op === 'max' ? `(select (local.get $xs) (local.get ${into}) (f32.gt (local.get $xs) (local.get ${into})))` : `(f32.add (local.get ${into}) (local.get $xs))`;
  return `(local.set $end4 (i32.add (local.get $start) (i32.and (i32.sub (local.get $end) (local.get $start)) (i32.const -16))))
      (local.set $acc ${op === 'max' ? splat('-inf') : ZERO}) (local.set $p (local.get $start))
      (block $${label}vDone (loop $${label}vLoop (br_if $${label}vDone (i32.ge_u (local.get $p) (local.get $end4)))
        (local.set $acc (${combine} (local.get $acc) ${vec('(local.get $p)')}))
        (local.set $p (i32.add (local.get $p) (i32.const 16))) (br $${label}vLoop)))
      (local.set ${into} (call ${op === 'max' ? '$hmax4' : '$hsum4'} (local.get $acc)))
      (block $${label}tDone (loop $${label}tLoop (br_if $${label}tDone (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $xs ${one('(local.get $p)')})
        (local.set ${into} ${scalar})
        (local.set $p (i32.add (local.get $p) (i32.const 4))) (br $${label}tLoop)))`;
}
/** Σ a·b over the current span of two rows (buffers named by their pointer locals). */
function spanDot(a: string, b: string, into: string, label: string): string {
  return spanFold(
    'sum',
    (p) => `(f32x4.mul (v128.load ${at(a)(p)}) (v128.load ${at(b)(p)}))`,
    (p) => `(f32.mul (f32.load ${at(a)(p)}) (f32.load ${at(b)(p)}))`,
    into,
    label,
  );
}
function spanMap(vec: (p: string) => string, one: (p: string) => string, label: string): string {
  return `(local.set $end4 (i32.add (local.get $start) (i32.and (i32.sub (local.get $end) (local.get $start)) (i32.const -16))))
      (local.set $p (local.get $start))
      (block $${label}vDone (loop $${label}vLoop (br_if $${label}vDone (i32.ge_u (local.get $p) (local.get $end4)))
        ${vec('(local.get $p)')}
        (local.set $p (i32.add (local.get $p) (i32.const 16))) (br $${label}vLoop)))
      (block $${label}tDone (loop $${label}tLoop (br_if $${label}tDone (i32.ge_u (local.get $p) (local.get $end)))
        ${one('(local.get $p)')}
        (local.set $p (i32.add (local.get $p) (i32.const 4))) (br $${label}tLoop)))`;
}
const at = (base: string) => (p: string) => `(i32.add (local.get ${base}) ${p})`;
/** In place on a span at absolute addresses: x − the span's max, which is left in $m. */
function spanSubtractMax(label: string): string {
  return `${spanReduce('max', (p) => p, '$m', `${label}m`)}
      (local.set $K (f32x4.splat (local.get $m)))
      ${spanMap(
        (p) => `(v128.store ${p} (f32x4.sub (v128.load ${p}) (local.get $K)))`,
        (p) => `(f32.store ${p} (f32.sub (f32.load ${p}) (local.get $m)))`,
        `${label}w`,
      )}`;
}

/**
 * tVAE reconstruction terms over a batch, with their gradients, in one pass (the tfjs form was ~100 small
 * kernels a step). Scalar columns (mask ≠ 0): G += (x − tanh o)²/(2σ²), dO = −(x − t)(1 − t²)/σ²,
 * dσ += −(x − t)²/σ³. Softmax spans (soft ≠ 0): CE += logΣexp(o) − Σ x·o, dO = softmax(o) − x. Loss sums
 * in f64. res[0] = G, res[1] = CE. tanh and exp run four lanes at a time (SIMD_MATH; the last D mod 4 columns
 * through the f64 $ftanh / $fexp below): the all-scalar f64 form cost ~2.6 ms a tVAE step. log, once per span
 * and row, is the host's Math.log.
 */
const TVAE_RECON = `
;; exp(x) = 2^k·e^r, k = round(x/ln 2), |r| ≤ ln2/2, e^r by its Taylor polynomial to r^7 (relative error
;; < 1e-9, well inside float32); x clamped to ±700 so 2^k stays a normal double.
;; float32 of x, 0 below FLT_MIN in magnitude (see ftz() in wat.ts)
(func $demote (param $x f64) (result f32)
  (select (f32.const 0) (f32.demote_f64 (local.get $x)) (f64.lt (f64.abs (local.get $x)) (f64.const ${FLT_MIN}))))
(func $fexp (param $x f64) (result f64) (local $k f64) (local $r f64)
  (local.set $x (f64.min (f64.max (local.get $x) (f64.const -700)) (f64.const 700)))
  (local.set $k (f64.nearest (f64.mul (local.get $x) (f64.const 1.4426950408889634))))
  (local.set $r (f64.sub (local.get $x) (f64.mul (local.get $k) (f64.const 0.6931471805599453))))
  (f64.mul
    (f64.add (f64.const 1) (f64.mul (local.get $r) (f64.add (f64.const 1) (f64.mul (local.get $r) (f64.add (f64.const 0.5)
      (f64.mul (local.get $r) (f64.add (f64.const 0.16666666666666666) (f64.mul (local.get $r) (f64.add (f64.const 0.041666666666666664)
      (f64.mul (local.get $r) (f64.add (f64.const 0.008333333333333333) (f64.mul (local.get $r) (f64.add (f64.const 0.001388888888888889)
      (f64.mul (local.get $r) (f64.const 0.0001984126984126984)))))))))))))))
    (f64.reinterpret_i64 (i64.shl (i64.add (i64.trunc_f64_s (local.get $k)) (i64.const 1023)) (i64.const 52)))))
;; tanh(x) = sign(x)·(1 − e)/(1 + e), e = exp(−2|x|)
(func $ftanh (param $x f64) (result f64) (local $e f64)
  (local.set $e (call $fexp (f64.mul (f64.abs (local.get $x)) (f64.const -2))))
  (f64.copysign (f64.div (f64.sub (f64.const 1) (local.get $e)) (f64.add (f64.const 1) (local.get $e))) (local.get $x)))
(func (export "tvaeRecon") (param $o i32) (param $x i32) (param $sigma i32) (param $mask i32) (param $soft i32)
  (param $spans i32) (param $S i32) (param $B i32) (param $D i32) (param $dO i32) (param $dS i32) (param $res i32)
  (local $b i32) (local $d i32) (local $D4 i32) (local $row i32) (local $o4 i32) (local $p i32) (local $s i32) (local $start i32) (local $end i32)
  (local $t f64) (local $diff f64) (local $inv f64) (local $sg f64) (local $G f64) (local $CE f64)
  (local $m f32) (local $sum f32) (local $xo f32) (local $rs f32) (local $end4 i32) (local $xs f32) (local $acc v128) (local $K v128)
  (local $T v128) (local $DF v128) (local $INV v128) (local $SG v128) (local $SM v128) (local $GA v128)
  (local.set $D4 (i32.and (local.get $D) (i32.const -4)))
  (memory.fill (local.get $dS) (i32.const 0) (i32.shl (local.get $D) (i32.const 2)))
  (block $bDone (loop $bLoop (br_if $bDone (i32.ge_u (local.get $b) (local.get $B)))
    (local.set $row (i32.shl (i32.mul (local.get $b) (local.get $D)) (i32.const 2)))
    ;; scalar columns four at a time: their loss, dO and dσ terms; other lanes of dO get o (shifted below)
    (local.set $d (i32.const 0)) (local.set $GA ${ZERO})
    (block $dDone (loop $dLoop (br_if $dDone (i32.ge_u (local.get $d) (local.get $D4)))
      (local.set $o4 (i32.shl (local.get $d) (i32.const 2)))
      (local.set $p (i32.add (local.get $row) (local.get $o4)))
      (local.set $SM (f32x4.ne (v128.load (i32.add (local.get $mask) (local.get $o4))) ${ZERO}))
      (if (v128.any_true (local.get $SM))
        (then
          (local.set $T (call $tanh4 (v128.load (i32.add (local.get $o) (local.get $p)))))
          (local.set $DF (v128.and (local.get $SM) (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $p))) (local.get $T))))
          (local.set $SG (v128.load (i32.add (local.get $sigma) (local.get $o4))))
          ;; 1/σ² only on scalar lanes (σ of other columns is unused and may be anything)
          (local.set $INV (v128.and (local.get $SM) (f32x4.div ${splat('1')} (f32x4.mul (local.get $SG) (local.get $SG)))))
          (local.set $GA (f32x4.add (local.get $GA) (f32x4.mul (f32x4.mul (local.get $DF) (local.get $DF)) (local.get $INV))))
          (v128.store (i32.add (local.get $dO) (local.get $p)) (v128.bitselect
            ${ftz('(f32x4.mul (f32x4.neg (f32x4.mul (local.get $DF) (local.get $INV))) (f32x4.sub ' + splat('1') + ' (f32x4.mul (local.get $T) (local.get $T))))')}
            (v128.load (i32.add (local.get $o) (local.get $p))) (local.get $SM)))
          (v128.store (i32.add (local.get $dS) (local.get $o4)) (f32x4.sub (v128.load (i32.add (local.get $dS) (local.get $o4)))
            (v128.and (local.get $SM) ${ftz('(f32x4.div (f32x4.mul (f32x4.mul (local.get $DF) (local.get $DF)) (local.get $INV)) (local.get $SG))')}))))
        (else (v128.store (i32.add (local.get $dO) (local.get $p)) (v128.load (i32.add (local.get $o) (local.get $p))))))
      (local.set $d (i32.add (local.get $d) (i32.const 4))) (br $dLoop)))
    (local.set $G (f64.add (local.get $G) (f64.mul (f64.const 0.5) (f64.promote_f32 (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $GA)) (f32x4.extract_lane 1 (local.get $GA)))
      (f32.add (f32x4.extract_lane 2 (local.get $GA)) (f32x4.extract_lane 3 (local.get $GA))))))))
    (block $tDone (loop $tLoop (br_if $tDone (i32.ge_u (local.get $d) (local.get $D)))
      (local.set $p (i32.add (local.get $row) (i32.shl (local.get $d) (i32.const 2))))
      (if (f32.ne (f32.load (i32.add (local.get $mask) (i32.shl (local.get $d) (i32.const 2)))) (f32.const 0))
        (then
          (local.set $t (call $ftanh (f64.promote_f32 (f32.load (i32.add (local.get $o) (local.get $p))))))
          (local.set $diff (f64.sub (f64.promote_f32 (f32.load (i32.add (local.get $x) (local.get $p)))) (local.get $t)))
          (local.set $sg (f64.promote_f32 (f32.load (i32.add (local.get $sigma) (i32.shl (local.get $d) (i32.const 2))))))
          (local.set $inv (f64.div (f64.const 1) (f64.mul (local.get $sg) (local.get $sg))))
          (local.set $G (f64.add (local.get $G) (f64.mul (f64.mul (local.get $diff) (local.get $diff)) (f64.mul (local.get $inv) (f64.const 0.5)))))
          (f32.store (i32.add (local.get $dO) (local.get $p)) (call $demote
            (f64.mul (f64.neg (f64.mul (local.get $diff) (local.get $inv))) (f64.sub (f64.const 1) (f64.mul (local.get $t) (local.get $t))))))
          (f32.store (i32.add (local.get $dS) (i32.shl (local.get $d) (i32.const 2))) (call $demote (f64.sub
            (f64.promote_f32 (f32.load (i32.add (local.get $dS) (i32.shl (local.get $d) (i32.const 2)))))
            (f64.div (f64.mul (f64.mul (local.get $diff) (local.get $diff)) (local.get $inv)) (local.get $sg))))))
        (else (f32.store (i32.add (local.get $dO) (local.get $p)) (f32.load (i32.add (local.get $o) (local.get $p))))))
      (local.set $d (i32.add (local.get $d) (i32.const 1))) (br $tLoop)))
    ;; softmax spans: shift by the span max (in dO), exponentiate four lanes at a time, then normalise
    ${eachSpan('(i32.add (local.get $dO) (local.get $row))', `
      ${spanSubtractMax('r')}
      ;; CE gets the max back: log Σ e^o = m + log Σ e^(o − m)
      (local.set $CE (f64.add (local.get $CE) (f64.promote_f32 (local.get $m))))`)}
    (call $rowSoftExp (i32.add (local.get $dO) (local.get $row)) (local.get $soft) (local.get $D))
    ${eachSpan('(local.get $row)', `
      ${spanReduce('sum', at('$dO'), '$sum', 'a')}
      ${spanDot('$o', '$x', '$xo', 'x')}
      (local.set $CE (f64.add (local.get $CE) (f64.sub (call $log (f64.promote_f32 (local.get $sum))) (f64.promote_f32 (local.get $xo)))))
      (local.set $rs (f32.div (f32.const 1) (local.get $sum)))
      (local.set $K (f32x4.splat (local.get $rs)))
      ${spanMap(
        (p) => `(v128.store ${at('$dO')(p)} ${ftz(`(f32x4.sub (f32x4.mul (v128.load ${at('$dO')(p)}) (local.get $K)) (v128.load ${at('$x')(p)}))`)})`,
        (p) => `(local.set $xs (f32.sub (f32.mul (f32.load ${at('$dO')(p)}) (local.get $rs)) (f32.load ${at('$x')(p)})))
        (f32.store ${at('$dO')(p)} ${ftzLocal('$xs')})`,
        'g',
      )}`, 'n')}
    (local.set $b (i32.add (local.get $b) (i32.const 1))) (br $bLoop)))
  (f32.store (local.get $res) (f32.demote_f64 (local.get $G)))
  (f32.store offset=4 (local.get $res) (f32.demote_f64 (local.get $CE))))`;

/**
 * Copy n floats with tiny values (below FLT_MIN, so every subnormal) set to 0, NaN kept, returning how many
 * there were; with dst = 0 only count. An operand from another kernel (tfjs's Exp, a gradient × 1/batch) may
 * hold subnormals.
 */
const FLUSH = `(func (export "flush") (param $src i32) (param $dst i32) (param $n i32) (result i32)
  (local $i i32) (local $o i32) (local $n4 i32) (local $v v128) (local $m v128) (local $count v128) (local $s f32) (local $extra i32)
  (local.set $n4 (i32.and (local.get $n) (i32.const -4)))
  (block $done (loop $vec (br_if $done (i32.ge_u (local.get $i) (local.get $n4)))
    (local.set $o (i32.shl (local.get $i) (i32.const 2)))
    (local.set $v (v128.load (i32.add (local.get $src) (local.get $o))))
    (local.set $m (f32x4.lt (f32x4.abs (local.get $v)) (v128.const f32x4 ${FLT_MIN} ${FLT_MIN} ${FLT_MIN} ${FLT_MIN})))
    ;; zero stays zero: count only lanes that are tiny but not 0
    (local.set $m (v128.and (local.get $m) (f32x4.ne (local.get $v) ${ZERO})))
    (local.set $count (i32x4.sub (local.get $count) (local.get $m)))
    (if (local.get $dst) (then (v128.store (i32.add (local.get $dst) (local.get $o)) (v128.andnot (local.get $v) (local.get $m)))))
    (local.set $i (i32.add (local.get $i) (i32.const 4))) (br $vec)))
  (block $done1 (loop $one (br_if $done1 (i32.ge_u (local.get $i) (local.get $n)))
    (local.set $o (i32.shl (local.get $i) (i32.const 2)))
    (local.set $s (f32.load (i32.add (local.get $src) (local.get $o))))
    (if (i32.and (f32.lt (f32.abs (local.get $s)) (f32.const ${FLT_MIN})) (f32.ne (local.get $s) (f32.const 0)))
      (then (local.set $extra (i32.add (local.get $extra) (i32.const 1))) (local.set $s (f32.const 0))))
    (if (local.get $dst) (then (f32.store (i32.add (local.get $dst) (local.get $o)) (local.get $s))))
    (local.set $i (i32.add (local.get $i) (i32.const 1))) (br $one)))
  (i32.add (local.get $extra) (i32.add (i32.add (i32x4.extract_lane 0 (local.get $count)) (i32x4.extract_lane 1 (local.get $count)))
    (i32.add (i32x4.extract_lane 2 (local.get $count)) (i32x4.extract_lane 3 (local.get $count))))))`;

/**
 * Seeded random numbers into out[0..n): kind 0 uniform in [a, b), kind 1 normal with mean a and sd b, kind 2
 * b where a uniform in [0, 1) exceeds a, else 0 (inverted dropout: a = rate, b = 1/(1 − rate)).
 * Four xoshiro128** streams, one per SIMD lane, seeded by splitmix32 from two seed words; element i takes lane
 * i mod 4 of draw ⌊i/4⌋ (normals: of a pair of draws), 24-bit uniforms. Normals by Box–Muller on four lanes
 * ($ln4, and sin/cos of πt, t in [−½, ½), by Taylor polynomials to degree 13/12, ~1e-7), so no f64 and no
 * rejection loop: the one-lane polar method in f64 took ~20 ns a normal (5% of a tVAE epoch).
 * tfjs draws seeded numbers in JS: 2.7–4.4 ms for one [500, 128] normal draw, 10–15% of a tVAE step.
 */
function seedLanes(): string {
  const L: string[] = [];
  for (let k = 0; k < 4; k++)
    for (let l = 0; l < 4; l++)
      L.push(`(local.set $sm (i32.add (local.get $sm) (i32.const 0x9e3779b9)))
  (local.set $z (i32.mul (i32.xor (local.get $sm) (i32.shr_u (local.get $sm) (i32.const 16))) (i32.const 0x85ebca6b)))
  (local.set $z (i32.mul (i32.xor (local.get $z) (i32.shr_u (local.get $z) (i32.const 13))) (i32.const 0xc2b2ae35)))
  (local.set $s${k} (i32x4.replace_lane ${l} (local.get $s${k}) (i32.xor (local.get $z) (i32.shr_u (local.get $z) (i32.const 16)))))`);
  return L.join('\n  ');
}
const rotl4 = (x: string, r: number) => `(v128.or (i32x4.shl ${x} (i32.const ${r})) (i32x4.shr_u ${x} (i32.const ${32 - r})))`;
/** One xoshiro128** step on all four lanes: four uniforms in [0, 1) into `into`. */
function draw(into: string): string {
  return `(local.set $r (i32x4.mul ${rotl4('(i32x4.mul (local.get $s1) (v128.const i32x4 5 5 5 5))', 7)} (v128.const i32x4 9 9 9 9)))
    (local.set $t (i32x4.shl (local.get $s1) (i32.const 9)))
    (local.set $s2 (v128.xor (local.get $s2) (local.get $s0)))
    (local.set $s3 (v128.xor (local.get $s3) (local.get $s1)))
    (local.set $s1 (v128.xor (local.get $s1) (local.get $s2)))
    (local.set $s0 (v128.xor (local.get $s0) (local.get $s3)))
    (local.set $s2 (v128.xor (local.get $s2) (local.get $t)))
    (local.set $s3 ${rotl4('(local.get $s3)', 11)})
    (local.set ${into} (f32x4.mul (f32x4.convert_i32x4_s (i32x4.shr_u (local.get $r) (i32.const 8))) ${splat('5.9604644775390625e-8')}))`;
}
/** Store four lanes at element $i + offset, only those below n at the end. */
function store4(value: string, offset: number): string {
  const L = [`(if (i32.le_u (i32.add (local.get $i) (i32.const ${offset + 4})) (local.get $n))
      (then (v128.store offset=${4 * offset} (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2))) ${value}))
      (else`];
  for (let l = 0; l < 4; l++)
    L.push(`(if (i32.lt_u (i32.add (local.get $i) (i32.const ${offset + l})) (local.get $n))
        (then (f32.store offset=${4 * (offset + l)} (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2))) (f32x4.extract_lane ${l} ${value}))))`);
  return L.join('\n      ') + '))';
}
/** Polynomial in x² with the given coefficients (constant first), on four lanes. */
function poly(x2: string, coefficients: string[]): string {
  let p = splat(coefficients[coefficients.length - 1]);
  for (let i = coefficients.length - 2; i >= 0; i--) p = `(f32x4.add (f32x4.mul ${p} ${x2}) ${splat(coefficients[i])})`;
  return p;
}
const SIN = ['1', '-0.16666666666666666', '8.333333333333333e-3', '-1.984126984126984e-4', '2.7557319223985893e-6', '-2.505210838544172e-8', '1.6059043836821613e-10'];
const COS = ['1', '-0.5', '4.1666666666666664e-2', '-1.388888888888889e-3', '2.48015873015873e-5', '-2.755731922398589e-7', '2.08767569878681e-9'];
const RANDOM = `(func $ln (param $x f64) (result f64) (local $bits i64) (local $e f64) (local $m f64) (local $z f64) (local $z2 f64)
  (local.set $bits (i64.reinterpret_f64 (local.get $x)))
  (local.set $e (f64.convert_i64_s (i64.sub (i64.and (i64.shr_u (local.get $bits) (i64.const 52)) (i64.const 0x7ff)) (i64.const 1023))))
  (local.set $m (f64.reinterpret_i64 (i64.or (i64.and (local.get $bits) (i64.const 0x000fffffffffffff)) (i64.const 0x3ff0000000000000))))
  (if (f64.gt (local.get $m) (f64.const 1.4142135623730951)) (then
    (local.set $m (f64.mul (local.get $m) (f64.const 0.5))) (local.set $e (f64.add (local.get $e) (f64.const 1)))))
  (local.set $z (f64.div (f64.sub (local.get $m) (f64.const 1)) (f64.add (local.get $m) (f64.const 1))))
  (local.set $z2 (f64.mul (local.get $z) (local.get $z)))
  (f64.add (f64.mul (local.get $e) (f64.const 0.6931471805599453))
    (f64.mul (f64.mul (f64.const 2) (local.get $z))
      (f64.add (f64.const 1) (f64.mul (local.get $z2) (f64.add (f64.const 0.3333333333333333) (f64.mul (local.get $z2)
        (f64.add (f64.const 0.2) (f64.mul (local.get $z2) (f64.add (f64.const 0.14285714285714285) (f64.mul (local.get $z2)
          (f64.add (f64.const 0.1111111111111111) (f64.mul (local.get $z2) (f64.const 0.09090909090909091))))))))))))))
(func (export "random") (param $out i32) (param $n i32) (param $seed i32) (param $seed2 i32) (param $kind i32) (param $a f32) (param $b f32)
  (local $sm i32) (local $z i32) (local $i i32)
  (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128) (local $t v128) (local $r v128)
  (local $u v128) (local $w v128) (local $A v128) (local $B v128) (local $rad v128) (local $x v128) (local $x2 v128) (local $sn v128) (local $cs v128)
  ;; splitmix32 → four state words per lane (seed2 folded in); a lane never all zero
  (local.set $sm (i32.xor (local.get $seed) (i32.mul (local.get $seed2) (i32.const 0x27d4eb2d))))
  ${seedLanes()}
  (local.set $s0 (v128.or (local.get $s0) (v128.and (v128.const i32x4 1 1 1 1)
    (i32x4.eq (v128.or (v128.or (local.get $s0) (local.get $s1)) (v128.or (local.get $s2) (local.get $s3))) (v128.const i32x4 0 0 0 0)))))
  (local.set $A (f32x4.splat (local.get $a)))
  (local.set $B (f32x4.splat (local.get $b)))
  (if (i32.eq (local.get $kind) (i32.const 1))
    (then
      (block $nDone (loop $nLoop (br_if $nDone (i32.ge_u (local.get $i) (local.get $n)))
        ${draw('$u')}
        ${draw('$w')}
        ;; radius from 1 − u in (0, 1]; angle 2πt = 2x with x = π(w − ½): cos 2x = 1 − 2 sin²x, sin 2x = 2 sin x cos x
        (local.set $rad (f32x4.sqrt (f32x4.mul ${splat('-2')} (call $ln4 (f32x4.sub ${splat('1')} (local.get $u))))))
        (local.set $x (f32x4.mul (f32x4.sub (local.get $w) ${splat('0.5')}) ${splat('3.141592653589793')}))
        (local.set $x2 (f32x4.mul (local.get $x) (local.get $x)))
        (local.set $sn (f32x4.mul (local.get $x) ${poly('(local.get $x2)', SIN)}))
        (local.set $cs ${poly('(local.get $x2)', COS)})
        (local.set $rad (f32x4.mul (local.get $rad) (local.get $B)))
        ${store4(`(f32x4.add (local.get $A) (f32x4.mul (local.get $rad) (f32x4.sub ${splat('1')} (f32x4.mul ${splat('2')} (f32x4.mul (local.get $sn) (local.get $sn))))))`, 0)}
        ${store4(`(f32x4.add (local.get $A) (f32x4.mul (local.get $rad) (f32x4.mul ${splat('2')} (f32x4.mul (local.get $sn) (local.get $cs)))))`, 4)}
        (local.set $i (i32.add (local.get $i) (i32.const 8))) (br $nLoop))))
    (else
      (block $uDone (loop $uLoop (br_if $uDone (i32.ge_u (local.get $i) (local.get $n)))
        ${draw('$u')}
        (if (i32.eq (local.get $kind) (i32.const 2))
          ;; kind 2: a dropout mask, b where the uniform exceeds a, else 0
          (then (local.set $x (v128.and (local.get $B) (f32x4.gt (local.get $u) (local.get $A)))))
          ;; a + u(b − a) can round up to b: then a (the interval is half-open)
          (else (local.set $x (f32x4.add (local.get $A) (f32x4.mul (local.get $u) (f32x4.sub (local.get $B) (local.get $A)))))
            (local.set $x (v128.bitselect (local.get $A) (local.get $x) (f32x4.ge (local.get $x) (local.get $B))))))
        ${store4('(local.get $x)', 0)}
        (local.set $i (i32.add (local.get $i) (i32.const 4))) (br $uLoop))))))`;

/**
 * Four float32 lanes of exp, ln and tanh (relative error ~1e-7): the scalar f64 forms above are
 * latency-bound at ~20 ns an element here, these ~1 ns. exp: 2^k·p(r) with r = x − k·ln 2 in two parts and
 * a degree-6 polynomial (the classic Cephes expf coefficients), 0 below −69, x clamped at 88. ln for x > 0:
 * e·ln 2 + 2·atanh((m − 1)/(m + 1)) with the mantissa m in [√½, √2) (series to z⁹). tanh from exp(−2|x|).
 */
const SIMD_MATH = `(func $exp4 (param $x v128) (result v128) (local $k v128) (local $r v128) (local $p v128) (local $tiny v128)
  ;; below e^−69 ≈ 1e-30 (FLT_MIN) the result is 0: computing it would make subnormals (~100× slower arithmetic)
  (local.set $tiny (f32x4.lt (local.get $x) ${splat('-69')}))
  (local.set $x (f32x4.min (f32x4.max (local.get $x) ${splat('-69')}) ${splat('88')}))
  (local.set $k (f32x4.nearest (f32x4.mul (local.get $x) ${splat('1.44269504088896341')})))
  (local.set $r (f32x4.sub (f32x4.sub (local.get $x) (f32x4.mul (local.get $k) ${splat('0.693359375')}))
    (f32x4.mul (local.get $k) ${splat('-2.12194440e-4')})))
  (local.set $p ${splat('1.9875691500e-4')})
  ${['1.3981999507e-3', '8.3334519073e-3', '4.1665795894e-2', '1.6666665459e-1', '5.0000001201e-1']
    .map((c) => `(local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) ${splat(c)}))`)
    .join('\n  ')}
  (local.set $p (f32x4.add (f32x4.add (f32x4.mul (f32x4.mul (local.get $p) (local.get $r)) (local.get $r)) (local.get $r)) ${splat('1')}))
  (v128.andnot (f32x4.mul (local.get $p)
    (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $k)) (v128.const i32x4 127 127 127 127)) (i32.const 23))) (local.get $tiny)))
(func $ln4 (param $x v128) (result v128) (local $e v128) (local $m v128) (local $big v128) (local $z v128) (local $z2 v128)
  (local.set $e (f32x4.convert_i32x4_s (i32x4.sub (i32x4.shr_u (local.get $x) (i32.const 23)) (v128.const i32x4 127 127 127 127))))
  (local.set $m (v128.or (v128.and (local.get $x) (v128.const i32x4 0x007fffff 0x007fffff 0x007fffff 0x007fffff))
    (v128.const i32x4 0x3f800000 0x3f800000 0x3f800000 0x3f800000)))
  (local.set $big (f32x4.gt (local.get $m) ${splat('1.41421356')}))
  (local.set $m (v128.bitselect (f32x4.mul (local.get $m) ${splat('0.5')}) (local.get $m) (local.get $big)))
  (local.set $e (v128.bitselect (f32x4.add (local.get $e) ${splat('1')}) (local.get $e) (local.get $big)))
  (local.set $z (f32x4.div (f32x4.sub (local.get $m) ${splat('1')}) (f32x4.add (local.get $m) ${splat('1')})))
  (local.set $z2 (f32x4.mul (local.get $z) (local.get $z)))
  (f32x4.add (f32x4.mul (local.get $e) ${splat('0.693147180559945')})
    (f32x4.mul (f32x4.add (local.get $z) (local.get $z))
      (f32x4.add ${splat('1')} (f32x4.mul (local.get $z2) (f32x4.add ${splat('0.333333333')} (f32x4.mul (local.get $z2)
        (f32x4.add ${splat('0.2')} (f32x4.mul (local.get $z2) (f32x4.add ${splat('0.142857143')}
          (f32x4.mul (local.get $z2) ${splat('0.111111111')})))))))))))
(func $tanh4 (param $x v128) (result v128) (local $e v128)
  (local.set $e (call $exp4 (f32x4.mul (f32x4.abs (local.get $x)) ${splat('-2')})))
  ;; copy x's sign onto (1 − e)/(1 + e)
  (v128.or (v128.and (local.get $x) (v128.const i32x4 0x80000000 0x80000000 0x80000000 0x80000000))
    (f32x4.div (f32x4.sub ${splat('1')} (local.get $e)) (f32x4.add ${splat('1')} (local.get $e)))))
;; x[d] = exp x[d] for the D floats of a row at x where soft[d] ≠ 0, four at a time (the last D mod 4 in f64)
(func $rowSoftExp (param $x i32) (param $soft i32) (param $D i32)
  (local $o i32) (local $end4 i32) (local $end i32) (local $v v128)
  (local.set $end4 (i32.shl (i32.and (local.get $D) (i32.const -4)) (i32.const 2)))
  (local.set $end (i32.shl (local.get $D) (i32.const 2)))
  (block $vDone (loop $vLoop (br_if $vDone (i32.ge_u (local.get $o) (local.get $end4)))
    (local.set $v (v128.load (i32.add (local.get $x) (local.get $o))))
    (v128.store (i32.add (local.get $x) (local.get $o)) (v128.bitselect (call $exp4 (local.get $v)) (local.get $v)
      (f32x4.ne (v128.load (i32.add (local.get $soft) (local.get $o))) ${ZERO})))
    (local.set $o (i32.add (local.get $o) (i32.const 16))) (br $vLoop)))
  (block $sDone (loop $sLoop (br_if $sDone (i32.ge_u (local.get $o) (local.get $end)))
    (if (f32.ne (f32.load (i32.add (local.get $soft) (local.get $o))) (f32.const 0)) (then
      (f32.store (i32.add (local.get $x) (local.get $o))
        (call $demote (call $fexp (f64.promote_f32 (f32.load (i32.add (local.get $x) (local.get $o)))))))))
    (local.set $o (i32.add (local.get $o) (i32.const 4))) (br $sLoop))))`;

/** A loop over the rows r of a [B, H] batch ($row its byte offset) and 4-column groups ($o their byte offset). */
function rows(body: string): string {
  return `(local.set $r (i32.const 0))
  (block $rDone (loop $rLoop (br_if $rDone (i32.ge_u (local.get $r) (local.get $B)))
    (local.set $row (i32.mul (local.get $r) (local.get $HB)))
    ${cols(body)}
    (local.set $r (i32.add (local.get $r) (i32.const 1))) (br $rLoop)))`;
}

/** A loop over the 4-column groups of one row ($o the byte offset, $HB the row's bytes). */
function cols(body: string): string {
  return `(local.set $o (i32.const 0))
  (block $cDone (loop $cLoop (br_if $cDone (i32.ge_u (local.get $o) (local.get $HB)))
    ${body}
    (local.set $o (i32.add (local.get $o) (i32.const 16))) (br $cLoop)))`;
}

/** Locals of the batch-norm passes (rows(), cols(), $IB = 1/B, one more vector) and two [H] sums zeroed. */
function batchStart(vector: string, sumA: string, sumB: string): string {
  return `(local $r i32) (local $j i32) (local $row i32) (local $o i32) (local $HB i32) (local ${vector} v128) (local $IB v128) (local $X v128)
  (local.set $HB (i32.shl (local.get $H) (i32.const 2)))
  (local.set $IB (f32x4.splat (f32.div (f32.const 1) (f32.convert_i32_u (local.get $B)))))
  (call $zero (local.get ${sumA}) (local.get $H))
  (call $zero (local.get ${sumB}) (local.get $H))`;
}

/**
 * Batch norm over the rows of a [B, H] batch (H a multiple of 4) followed by ReLU, and its gradient
 * (CTGAN's generator layers; ~25 small tfjs kernels each way). Biased batch variance, as in training.
 * Forward: mean, var, invstd = 1/√(var + eps) per column, xhat = (a − mean)·invstd, y = max(0, γ·xhat + β).
 * Backward from y, xhat: g = dy where y > 0; dβ = Σ g, dγ = Σ g·xhat, da = γ·invstd·(g − (dβ + xhat·dγ)/B).
 */
const BATCH_NORM = `(func $zero (param $p i32) (param $n i32) (memory.fill (local.get $p) (i32.const 0) (i32.shl (local.get $n) (i32.const 2))))
(func (export "batchNormRelu") (param $a i32) (param $gamma i32) (param $beta i32) (param $B i32) (param $H i32) (param $eps f32)
  (param $y i32) (param $xhat i32) (param $mean i32) (param $var i32) (param $invstd i32)
  ${batchStart('$D', '$mean', '$var')}
  ${rows(`(v128.store (i32.add (local.get $mean) (local.get $o)) (f32x4.add (v128.load (i32.add (local.get $mean) (local.get $o)))
      (v128.load (i32.add (local.get $a) (i32.add (local.get $row) (local.get $o))))))`)}
  ${cols(`(v128.store (i32.add (local.get $mean) (local.get $o)) (f32x4.mul (v128.load (i32.add (local.get $mean) (local.get $o))) (local.get $IB)))`)}
  ${rows(`(local.set $D (f32x4.sub (v128.load (i32.add (local.get $a) (i32.add (local.get $row) (local.get $o))))
      (v128.load (i32.add (local.get $mean) (local.get $o)))))
    (v128.store (i32.add (local.get $var) (local.get $o)) (f32x4.add (v128.load (i32.add (local.get $var) (local.get $o)))
      (f32x4.mul (local.get $D) (local.get $D))))`)}
  ${cols(`(local.set $X (f32x4.mul (v128.load (i32.add (local.get $var) (local.get $o))) (local.get $IB)))
    (v128.store (i32.add (local.get $var) (local.get $o)) (local.get $X))
    (v128.store (i32.add (local.get $invstd) (local.get $o))
      (f32x4.div ${splat('1')} (f32x4.sqrt (f32x4.add (local.get $X) (f32x4.splat (local.get $eps))))))`)}
  ${rows(`(local.set $X (f32x4.mul (f32x4.sub (v128.load (i32.add (local.get $a) (i32.add (local.get $row) (local.get $o))))
      (v128.load (i32.add (local.get $mean) (local.get $o)))) (v128.load (i32.add (local.get $invstd) (local.get $o)))))
    (v128.store (i32.add (local.get $xhat) (i32.add (local.get $row) (local.get $o))) (local.get $X))
    (v128.store (i32.add (local.get $y) (i32.add (local.get $row) (local.get $o))) ${ftz(`(f32x4.pmax ${ZERO} (f32x4.add
      (f32x4.mul (local.get $X) (v128.load (i32.add (local.get $gamma) (local.get $o)))) (v128.load (i32.add (local.get $beta) (local.get $o)))))`)})`)})
(func (export "batchNormReluGrad") (param $dy i32) (param $y i32) (param $xhat i32) (param $invstd i32) (param $gamma i32)
  (param $B i32) (param $H i32) (param $da i32) (param $dgamma i32) (param $dbeta i32)
  ${batchStart('$G', '$dgamma', '$dbeta')}
  ${rows(`(local.set $G (v128.and (v128.load (i32.add (local.get $dy) (i32.add (local.get $row) (local.get $o))))
      (f32x4.gt (v128.load (i32.add (local.get $y) (i32.add (local.get $row) (local.get $o)))) ${ZERO})))
    (v128.store (i32.add (local.get $dbeta) (local.get $o)) (f32x4.add (v128.load (i32.add (local.get $dbeta) (local.get $o))) (local.get $G)))
    (v128.store (i32.add (local.get $dgamma) (local.get $o)) (f32x4.add (v128.load (i32.add (local.get $dgamma) (local.get $o)))
      (f32x4.mul (local.get $G) (v128.load (i32.add (local.get $xhat) (i32.add (local.get $row) (local.get $o)))))))`)}
  ${rows(`(local.set $G (v128.and (v128.load (i32.add (local.get $dy) (i32.add (local.get $row) (local.get $o))))
      (f32x4.gt (v128.load (i32.add (local.get $y) (i32.add (local.get $row) (local.get $o)))) ${ZERO})))
    (local.set $X (v128.load (i32.add (local.get $xhat) (i32.add (local.get $row) (local.get $o)))))
    (v128.store (i32.add (local.get $da) (i32.add (local.get $row) (local.get $o))) ${ftz(`(f32x4.mul
      (f32x4.mul (v128.load (i32.add (local.get $gamma) (local.get $o))) (v128.load (i32.add (local.get $invstd) (local.get $o))))
      (f32x4.sub (local.get $G) (f32x4.mul (local.get $IB) (f32x4.add (v128.load (i32.add (local.get $dbeta) (local.get $o)))
        (f32x4.mul (local.get $X) (v128.load (i32.add (local.get $dgamma) (local.get $o))))))))`)})`)}
  ${cols(`(v128.store (i32.add (local.get $dgamma) (local.get $o)) ${ftz('(v128.load (i32.add (local.get $dgamma) (local.get $o)))')})
    (v128.store (i32.add (local.get $dbeta) (local.get $o)) ${ftz('(v128.load (i32.add (local.get $dbeta) (local.get $o)))')})`)})`;

/** rows × width floats from src (rows srcStride bytes apart) to dst (dstStride apart): a column block's copy. */
const COPY_COLUMNS = `(func (export "copyColumns") (param $src i32) (param $srcStride i32) (param $dst i32) (param $dstStride i32)
  (param $rows i32) (param $width i32)
  (local $r i32) (local $bytes i32)
  (local.set $bytes (i32.shl (local.get $width) (i32.const 2)))
  (block $done (loop $rowLoop (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
    (memory.copy (local.get $dst) (local.get $src) (local.get $bytes))
    (local.set $src (i32.add (local.get $src) (local.get $srcStride)))
    (local.set $dst (i32.add (local.get $dst) (local.get $dstStride)))
    (local.set $r (i32.add (local.get $r) (i32.const 1))) (br $rowLoop))))`;

/**
 * The tVAE's latent step over n floats: std = exp(lv/2), z = mu + eps·std, g = eps·std/2 (∂z/∂lv),
 * k = (e^lv − 1)/2 (∂KL/∂lv), res[0] = KL = −½ Σ (1 + lv − mu² − e^lv) (f64 sum). ~15 small tfjs kernels a step.
 */
const LATENT = `(func (export "latent") (param $mu i32) (param $lv i32) (param $eps i32) (param $n i32)
  (param $z i32) (param $g i32) (param $k i32) (param $res i32)
  (local $i i32) (local $o i32) (local $n4 i32) (local $LV v128) (local $MU v128) (local $ES v128) (local $V v128) (local $acc v128)
  (local $sum f64) (local $s f64) (local $lvs f64) (local $mus f64) (local $es f64)
  (local.set $n4 (i32.and (local.get $n) (i32.const -4)))
  (block $done (loop $vec (br_if $done (i32.ge_u (local.get $i) (local.get $n4)))
    (local.set $o (i32.shl (local.get $i) (i32.const 2)))
    (local.set $LV (v128.load (i32.add (local.get $lv) (local.get $o))))
    (local.set $MU (v128.load (i32.add (local.get $mu) (local.get $o))))
    (local.set $V (call $exp4 (f32x4.mul (local.get $LV) ${splat('0.5')})))
    (local.set $ES (f32x4.mul (v128.load (i32.add (local.get $eps) (local.get $o))) (local.get $V)))
    (v128.store (i32.add (local.get $z) (local.get $o)) (f32x4.add (local.get $MU) (local.get $ES)))
    (v128.store (i32.add (local.get $g) (local.get $o)) ${ftz("(f32x4.mul (local.get $ES) " + splat('0.5') + ")")})
    (local.set $V (f32x4.mul (local.get $V) (local.get $V)))
    (v128.store (i32.add (local.get $k) (local.get $o)) ${ftz("(f32x4.mul (f32x4.sub (local.get $V) " + splat('1') + ") " + splat('0.5') + ")")})
    (local.set $acc (f32x4.add (local.get $acc) (f32x4.sub (f32x4.add (local.get $LV) ${splat('1')})
      (f32x4.add (f32x4.mul (local.get $MU) (local.get $MU)) (local.get $V)))))
    (local.set $i (i32.add (local.get $i) (i32.const 4)))
    ;; into the f64 sum every 64 vectors
    (if (i32.or (i32.eqz (i32.and (local.get $i) (i32.const 255))) (i32.ge_u (local.get $i) (local.get $n4))) (then
      (local.set $sum (f64.add (local.get $sum) (f64.promote_f32 (f32.add
        (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
        (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))))
      (local.set $acc ${ZERO})))
    (br $vec)))
  (block $done1 (loop $one (br_if $done1 (i32.ge_u (local.get $i) (local.get $n)))
    (local.set $o (i32.shl (local.get $i) (i32.const 2)))
    (local.set $lvs (f64.promote_f32 (f32.load (i32.add (local.get $lv) (local.get $o)))))
    (local.set $mus (f64.promote_f32 (f32.load (i32.add (local.get $mu) (local.get $o)))))
    (local.set $s (call $fexp (f64.mul (local.get $lvs) (f64.const 0.5))))
    (local.set $es (f64.mul (f64.promote_f32 (f32.load (i32.add (local.get $eps) (local.get $o)))) (local.get $s)))
    (f32.store (i32.add (local.get $z) (local.get $o)) (f32.demote_f64 (f64.add (local.get $mus) (local.get $es))))
    (f32.store (i32.add (local.get $g) (local.get $o)) (call $demote (f64.mul (local.get $es) (f64.const 0.5))))
    (local.set $s (f64.mul (local.get $s) (local.get $s)))
    (f32.store (i32.add (local.get $k) (local.get $o)) (call $demote (f64.mul (f64.sub (local.get $s) (f64.const 1)) (f64.const 0.5))))
    (local.set $sum (f64.add (local.get $sum) (f64.sub (f64.add (local.get $lvs) (f64.const 1))
      (f64.add (f64.mul (local.get $mus) (local.get $mus)) (local.get $s)))))
    (local.set $i (i32.add (local.get $i) (i32.const 1))) (br $one)))
  (f32.store (local.get $res) (f32.demote_f64 (f64.mul (local.get $sum) (f64.const -0.5)))))`;

/**
 * The generator's output activation and its gradient, per row, replacing ~25 small tfjs kernels each way.
 * Scalar columns (mask ≠ 0): y = tanh x. Softmax spans (soft ≠ 0): y = softmax((x + g)/τ) with Gumbel noise
 * g = −log(−log u) from uniforms u (u = 0: none); other columns 0. The transcendental passes run four lanes
 * at a time over the row (the last D mod 4 columns in f64), the span max and sum passes are scalar.
 * Gradient from y: tanh' = 1 − y², softmax' = y·(dy − Σ dy·y)/τ. Also the log-softmax of the spans, with its
 * softmax p for the gradient dy − p·Σ dy.
 */
const SPAN_ACTIVATION = `
(func $rowSpans (param $spans i32) (param $s i32) (param $row i32) (result i32 i32)
  (i32.add (local.get $row) (i32.shl (i32.load (i32.add (local.get $spans) (i32.shl (local.get $s) (i32.const 3)))) (i32.const 2)))
  (i32.shl (i32.load offset=4 (i32.add (local.get $spans) (i32.shl (local.get $s) (i32.const 3)))) (i32.const 2)))
(func $hmax4 (param $v v128) (result f32)
  (local.set $v (f32x4.pmax (local.get $v) (i8x16.shuffle ${lanes(2, 3, 0, 1)} (local.get $v) (local.get $v))))
  (f32x4.extract_lane 0 (f32x4.pmax (local.get $v) (i8x16.shuffle ${lanes(1, 0, 3, 2)} (local.get $v) (local.get $v)))))
(func $hsum4 (param $v v128) (result f32)
  (local.set $v (f32x4.add (local.get $v) (i8x16.shuffle ${lanes(2, 3, 0, 1)} (local.get $v) (local.get $v))))
  (f32x4.extract_lane 0 (f32x4.add (local.get $v) (i8x16.shuffle ${lanes(1, 0, 3, 2)} (local.get $v) (local.get $v)))))
;; per span of the row at byte offset row in y: subtract the span max (op 0), or scale by 1/sum (op 1), with
;; the span helpers. pmax skips a NaN, but x − m keeps it, and the sum of op 1 then spreads it over the span (a
;; diverged step still shows).
(func $spanPass (param $y i32) (param $row i32) (param $spans i32) (param $S i32) (param $op i32)
  (local $s i32) (local $p i32) (local $start i32) (local $end i32) (local $end4 i32) (local $m f32) (local $xs f32) (local $acc v128) (local $K v128)
  ${eachSpan('(i32.add (local.get $y) (local.get $row))', `
    (if (local.get $op)
      (then
        ${spanReduce('sum', (p) => p, '$m', 'a')}
        (local.set $m (f32.div (f32.const 1) (local.get $m)))
        (local.set $K (f32x4.splat (local.get $m)))
        ${spanMap(
          (p) => `(v128.store ${p} ${ftz(`(f32x4.mul (v128.load ${p}) (local.get $K))`)})`,
          (p) => `(local.set $xs (f32.mul (f32.load ${p}) (local.get $m))) (f32.store ${p} ${ftzLocal('$xs')})`,
          'b',
        )})
      (else ${spanSubtractMax('c')}))`)})
(func (export "spanActivate") (param $x i32) (param $u i32) (param $mask i32) (param $soft i32) (param $spans i32) (param $S i32)
  (param $B i32) (param $D i32) (param $invTau f32) (param $y i32)
  (local $b i32) (local $d i32) (local $D4 i32) (local $row i32) (local $o i32) (local $p i32) (local $v v128) (local $sm v128) (local $IT v128)
  (local $vs f64)
  (local.set $D4 (i32.and (local.get $D) (i32.const -4)))
  (local.set $IT (f32x4.splat (local.get $invTau)))
  (block $bDone (loop $bLoop (br_if $bDone (i32.ge_u (local.get $b) (local.get $B)))
    (local.set $row (i32.shl (i32.mul (local.get $b) (local.get $D)) (i32.const 2)))
    ;; tanh on scalar columns, (x + g)/τ on span columns, 0 elsewhere
    (local.set $d (i32.const 0))
    (block $dDone (loop $dLoop (br_if $dDone (i32.ge_u (local.get $d) (local.get $D4)))
      (local.set $o (i32.shl (local.get $d) (i32.const 2)))
      (local.set $p (i32.add (local.get $row) (local.get $o)))
      (local.set $v (v128.load (i32.add (local.get $x) (local.get $p))))
      (local.set $sm (f32x4.ne (v128.load (i32.add (local.get $soft) (local.get $o))) ${ZERO}))
      (v128.store (i32.add (local.get $y) (local.get $p))
        (v128.bitselect (call $tanh4 (local.get $v))
          (v128.and (local.get $sm) (f32x4.mul (local.get $IT) (if (result v128) (local.get $u)
            (then (f32x4.sub (local.get $v) (call $ln4 (f32x4.neg (call $ln4
              (f32x4.min (f32x4.max (v128.load (i32.add (local.get $u) (local.get $p))) ${splat('1e-10')}) ${splat('0.999999')}))))))
            (else (local.get $v)))))
          (f32x4.ne (v128.load (i32.add (local.get $mask) (local.get $o))) ${ZERO})))
      (local.set $d (i32.add (local.get $d) (i32.const 4))) (br $dLoop)))
    (block $tDone (loop $tLoop (br_if $tDone (i32.ge_u (local.get $d) (local.get $D)))
      (local.set $o (i32.shl (local.get $d) (i32.const 2)))
      (local.set $p (i32.add (local.get $row) (local.get $o)))
      (local.set $vs (f64.promote_f32 (f32.load (i32.add (local.get $x) (local.get $p)))))
      (f32.store (i32.add (local.get $y) (local.get $p))
        (if (result f32) (f32.ne (f32.load (i32.add (local.get $mask) (local.get $o))) (f32.const 0))
          (then (call $demote (call $ftanh (local.get $vs))))
          (else (if (result f32) (f32.ne (f32.load (i32.add (local.get $soft) (local.get $o))) (f32.const 0))
            (then (f32.demote_f64 (f64.mul (f64.promote_f32 (local.get $invTau)) (if (result f64) (local.get $u)
              (then (f64.sub (local.get $vs) (call $ln (f64.neg (call $ln (f64.min (f64.max
                (f64.promote_f32 (f32.load (i32.add (local.get $u) (local.get $p)))) (f64.const 1e-10)) (f64.const 0.999999)))))))
              (else (local.get $vs))))))
            (else (f32.const 0))))))
      (local.set $d (i32.add (local.get $d) (i32.const 1))) (br $tLoop)))
    (call $spanPass (local.get $y) (local.get $row) (local.get $spans) (local.get $S) (i32.const 0))
    ;; exp of the shifted span columns
    (call $rowSoftExp (i32.add (local.get $y) (local.get $row)) (local.get $soft) (local.get $D))
    (call $spanPass (local.get $y) (local.get $row) (local.get $spans) (local.get $S) (i32.const 1))
    (local.set $b (i32.add (local.get $b) (i32.const 1))) (br $bLoop))))
(func (export "spanActivateGrad") (param $dy i32) (param $y i32) (param $mask i32) (param $spans i32) (param $S i32) (param $B i32)
  (param $D i32) (param $invTau f32) (param $dx i32)
  (local $b i32) (local $d i32) (local $D4 i32) (local $o i32) (local $row i32) (local $p i32) (local $s i32) (local $start i32) (local $end i32)
  (local $dot f32) (local $v f32) (local $end4 i32) (local $xs f32) (local $acc v128) (local $K v128) (local $IT v128) (local $Y v128)
  (local.set $D4 (i32.and (local.get $D) (i32.const -4)))
  (local.set $IT (f32x4.splat (local.get $invTau)))
  (block $bDone (loop $bLoop (br_if $bDone (i32.ge_u (local.get $b) (local.get $B)))
    (local.set $row (i32.shl (i32.mul (local.get $b) (local.get $D)) (i32.const 2)))
    ;; tanh columns: dy·(1 − y²); 0 elsewhere (span columns are written below)
    (local.set $d (i32.const 0))
    (block $dDone (loop $dLoop (br_if $dDone (i32.ge_u (local.get $d) (local.get $D4)))
      (local.set $o (i32.shl (local.get $d) (i32.const 2)))
      (local.set $p (i32.add (local.get $row) (local.get $o)))
      (local.set $Y (v128.load (i32.add (local.get $y) (local.get $p))))
      (v128.store (i32.add (local.get $dx) (local.get $p)) (v128.and (f32x4.ne (v128.load (i32.add (local.get $mask) (local.get $o))) ${ZERO})
        ${ftz(`(f32x4.mul (v128.load (i32.add (local.get $dy) (local.get $p))) (f32x4.sub ${splat('1')} (f32x4.mul (local.get $Y) (local.get $Y))))`)}))
      (local.set $d (i32.add (local.get $d) (i32.const 4))) (br $dLoop)))
    (block $eDone (loop $eLoop (br_if $eDone (i32.ge_u (local.get $d) (local.get $D)))
      (local.set $o (i32.shl (local.get $d) (i32.const 2)))
      (local.set $p (i32.add (local.get $row) (local.get $o)))
      (local.set $v (f32.load (i32.add (local.get $y) (local.get $p))))
      (local.set $xs (select (f32.mul (f32.load (i32.add (local.get $dy) (local.get $p))) (f32.sub (f32.const 1) (f32.mul (local.get $v) (local.get $v))))
        (f32.const 0) (f32.ne (f32.load (i32.add (local.get $mask) (local.get $o))) (f32.const 0))))
      (f32.store (i32.add (local.get $dx) (local.get $p)) ${ftzLocal('$xs')})
      (local.set $d (i32.add (local.get $d) (i32.const 1))) (br $eLoop)))
    ;; spans: y·(dy − Σ dy·y)/τ
    ${eachSpan('(local.get $row)', `
      ${spanDot('$dy', '$y', '$dot', 't')}
      (local.set $K (f32x4.splat (local.get $dot)))
      ${spanMap(
        (p) => `(v128.store ${at('$dx')(p)} ${ftz(`(f32x4.mul (f32x4.mul (v128.load ${at('$y')(p)}) (f32x4.sub (v128.load ${at('$dy')(p)}) (local.get $K))) (local.get $IT))`)})`,
        (p) => `(local.set $xs (f32.mul (f32.mul (f32.load ${at('$y')(p)}) (f32.sub (f32.load ${at('$dy')(p)}) (local.get $dot))) (local.get $invTau)))
        (f32.store ${at('$dx')(p)} ${ftzLocal('$xs')})`,
        'g',
      )}`)}
    (local.set $b (i32.add (local.get $b) (i32.const 1))) (br $bLoop))))
(func (export "spanLogSoftmax") (param $x i32) (param $soft i32) (param $spans i32) (param $S i32) (param $B i32) (param $D i32)
  (param $out i32) (param $prob i32)
  (local $b i32) (local $row i32) (local $d i32) (local $D4 i32) (local $o i32) (local $p i32) (local $s i32) (local $start i32) (local $end i32)
  (local $m f32) (local $sum f32) (local $lse f32) (local $inv f32) (local $v v128) (local $q i32)
  (local $end4 i32) (local $xs f32) (local $acc v128) (local $K v128) (local $I v128)
  (local.set $D4 (i32.and (local.get $D) (i32.const -4)))
  (memory.fill (local.get $out) (i32.const 0) (i32.shl (i32.mul (local.get $B) (local.get $D)) (i32.const 2)))
  (block $bDone (loop $bLoop (br_if $bDone (i32.ge_u (local.get $b) (local.get $B)))
    (local.set $row (i32.shl (i32.mul (local.get $b) (local.get $D)) (i32.const 2)))
    ;; out = x − span max on span columns (0 elsewhere), then prob = exp(out) four lanes at a time
    ${eachSpan('(local.get $row)', `
      ${spanReduce('max', at('$x'), '$m', 'm')}
      (local.set $K (f32x4.splat (local.get $m)))
      ${spanMap(
        (p) => `(v128.store ${at('$out')(p)} (f32x4.sub (v128.load ${at('$x')(p)}) (local.get $K)))`,
        (p) => `(f32.store ${at('$out')(p)} (f32.sub (f32.load ${at('$x')(p)}) (local.get $m)))`,
        'o',
      )}`)}
    (local.set $d (i32.const 0))
    (block $eDone (loop $eLoop (br_if $eDone (i32.ge_u (local.get $d) (local.get $D4)))
      (local.set $o (i32.shl (local.get $d) (i32.const 2)))
      (local.set $p (i32.add (local.get $row) (local.get $o)))
      (v128.store (i32.add (local.get $prob) (local.get $p)) (v128.and (call $exp4 (v128.load (i32.add (local.get $out) (local.get $p))))
        (f32x4.ne (v128.load (i32.add (local.get $soft) (local.get $o))) ${ZERO})))
      (local.set $d (i32.add (local.get $d) (i32.const 4))) (br $eLoop)))
    (block $fDone (loop $fLoop (br_if $fDone (i32.ge_u (local.get $d) (local.get $D)))
      (local.set $o (i32.shl (local.get $d) (i32.const 2)))
      (local.set $p (i32.add (local.get $row) (local.get $o)))
      (f32.store (i32.add (local.get $prob) (local.get $p)) (select
        (f32.demote_f64 (call $fexp (f64.promote_f32 (f32.load (i32.add (local.get $out) (local.get $p))))))
        (f32.const 0) (f32.ne (f32.load (i32.add (local.get $soft) (local.get $o))) (f32.const 0))))
      (local.set $d (i32.add (local.get $d) (i32.const 1))) (br $fLoop)))
    ;; per span: out −= log Σ prob, prob /= Σ prob
    ${eachSpan('(local.get $row)', `
      ${spanReduce('sum', at('$prob'), '$sum', 'a')}
      (local.set $lse (f32.demote_f64 (call $log (f64.promote_f32 (local.get $sum)))))
      (local.set $inv (f32.div (f32.const 1) (local.get $sum)))
      (local.set $K (f32x4.splat (local.get $lse))) (local.set $I (f32x4.splat (local.get $inv)))
      ${spanMap(
        (p) => `(v128.store ${at('$out')(p)} (f32x4.sub (v128.load ${at('$out')(p)}) (local.get $K)))
        (v128.store ${at('$prob')(p)} ${ftz(`(f32x4.mul (v128.load ${at('$prob')(p)}) (local.get $I))`)})`,
        (p) => `(f32.store ${at('$out')(p)} (f32.sub (f32.load ${at('$out')(p)}) (local.get $lse)))
        (local.set $xs (f32.mul (f32.load ${at('$prob')(p)}) (local.get $inv)))
        (f32.store ${at('$prob')(p)} ${ftzLocal('$xs')})`,
        'w',
      )}`, 'n')}
    (local.set $b (i32.add (local.get $b) (i32.const 1))) (br $bLoop))))
(func (export "spanLogSoftmaxGrad") (param $dy i32) (param $prob i32) (param $spans i32) (param $S i32) (param $B i32) (param $D i32) (param $dx i32)
  (local $b i32) (local $row i32) (local $p i32) (local $s i32) (local $start i32) (local $end i32) (local $t f32)
  (local $end4 i32) (local $xs f32) (local $acc v128) (local $K v128)
  (memory.fill (local.get $dx) (i32.const 0) (i32.shl (i32.mul (local.get $B) (local.get $D)) (i32.const 2)))
  (block $bDone (loop $bLoop (br_if $bDone (i32.ge_u (local.get $b) (local.get $B)))
    (local.set $row (i32.shl (i32.mul (local.get $b) (local.get $D)) (i32.const 2)))
    ${eachSpan('(local.get $row)', `
      ${spanReduce('sum', at('$dy'), '$t', 't')}
      (local.set $K (f32x4.splat (local.get $t)))
      ${spanMap(
        (p) => `(v128.store ${at('$dx')(p)} ${ftz(`(f32x4.sub (v128.load ${at('$dy')(p)}) (f32x4.mul (v128.load ${at('$prob')(p)}) (local.get $K)))`)})`,
        (p) => `(local.set $xs (f32.sub (f32.load ${at('$dy')(p)}) (f32.mul (f32.load ${at('$prob')(p)}) (local.get $t))))
        (f32.store ${at('$dx')(p)} ${ftzLocal('$xs')})`,
        'g',
      )}`)}
    (local.set $b (i32.add (local.get $b) (i32.const 1))) (br $bLoop))))`;

/**
 * Products whose A [M, K] is mostly zeros (the tVAE's encoded input: a value per scalar and a 1 per span,
 * ~20% nonzero). `sparseCompress` lists A's nonzeros as (index, value) pairs grouped by output row — by
 * row of A for A·B, by column of A for Aᵀ·B — with starts[r]..starts[r + 1] the group of row r;
 * `sparseRegroup` builds the by-column lists from the by-row ones (the backward pass after the forward).
 * `sparseProduct` then builds each output row from those entries, 32 columns at a time in 8 accumulators:
 * C[r, :] = act(bias_r + Σ v·B[index, :]), bias_r a vector (biasStride 0) or row r of a matrix (biasStride = row
 * bytes: a dense product's output to add to). A row-scaled axpy per nonzero through memory ran ~6× slower per
 * multiply-add (a load and a store of C each), no faster than the dense product at 20%.
 */
function sparseStrip(nv: number): string {
  const L: string[] = [];
  const acc = (v: number) => `$s${v}`;
  L.push('(if (local.get $bias) (then');
  for (let v = 0; v < nv; v++) L.push(`(local.set ${acc(v)} (v128.load offset=${16 * v} (i32.add (local.get $brow) (local.get $jb))))`);
  L.push(') (else');
  for (let v = 0; v < nv; v++) L.push(`(local.set ${acc(v)} ${ZERO})`);
  L.push('))');
  L.push('(local.set $e (local.get $e0))');
  L.push('(block $eDone (loop $es (br_if $eDone (i32.ge_u (local.get $e) (local.get $e1)))');
  L.push('(local.set $p (i32.add (local.get $b) (i32.add (i32.mul (i32.load (local.get $e)) (local.get $rowBytes)) (local.get $jb))))');
  L.push('(local.set $t (v128.load32_splat offset=4 (local.get $e)))');
  for (let v = 0; v < nv; v++)
    L.push(`(local.set ${acc(v)} (f32x4.relaxed_madd (local.get $t) (v128.load offset=${16 * v} (local.get $p)) (local.get ${acc(v)})))`);
  L.push('(local.set $e (i32.add (local.get $e) (i32.const 8))) (br $es)))');
  for (let v = 0; v < nv; v++) {
    const x = `(local.get ${acc(v)})`;
    L.push(`(if (i32.eq (local.get $act) (i32.const 1)) (then (local.set ${acc(v)} (f32x4.pmax ${x} ${ZERO}))))`);
    L.push(
      `(if (i32.eq (local.get $act) (i32.const 2)) (then (local.set ${acc(v)} (v128.bitselect (f32x4.mul ${x} (local.get $AL)) ${x} (f32x4.lt ${x} ${ZERO})))))`,
    );
    L.push(`(v128.store offset=${16 * v} (i32.add (local.get $cr) (local.get $jb)) ${ftz(x)})`);
  }
  return L.join('\n');
}

/** Group sizes in starts[k + 1] turned into prefix sums: starts[k] is where group k begins ($k from 0). */
const PREFIX_STARTS = `(local.set $k (i32.const 0))
  (block $pDone (loop $ps (br_if $pDone (i32.ge_u (local.get $k) (local.get $K)))
    (local.set $slot (i32.add (local.get $starts) (i32.shl (i32.add (local.get $k) (i32.const 1)) (i32.const 2))))
    (i32.store (local.get $slot) (i32.add (i32.load (local.get $slot)) (i32.load (i32.sub (local.get $slot) (i32.const 4)))))
    (local.set $k (i32.add (local.get $k) (i32.const 1))) (br $ps)))`;
/** Group cursors (starts[0..K], each at its group's end) shifted up one slot, so starts[k] is where group k begins. */
const SHIFT_STARTS = `(local.set $k (local.get $K))
  (block $sDone (loop $ss (br_if $sDone (i32.eqz (local.get $k)))
    (local.set $slot (i32.add (local.get $starts) (i32.shl (local.get $k) (i32.const 2))))
    (i32.store (local.get $slot) (i32.load (i32.sub (local.get $slot) (i32.const 4))))
    (local.set $k (i32.sub (local.get $k) (i32.const 1))) (br $ss)))
  (i32.store (local.get $starts) (i32.const 0))`;

const SPARSE = `(func (export "sparseCompress") (param $a i32) (param $M i32) (param $K i32) (param $byColumn i32)
  (param $list i32) (param $starts i32)
  (local $i i32) (local $k i32) (local $K4 i32) (local $q i32) (local $v f32) (local $ar i32) (local $n i32) (local $slot i32) (local $e i32)
  (local.set $K4 (i32.and (local.get $K) (i32.const -4)))
  ;; by column: count each column's nonzeros into starts[k + 1] first (the group sizes)
  (if (local.get $byColumn) (then
    (memory.fill (local.get $starts) (i32.const 0) (i32.shl (i32.add (local.get $K) (i32.const 1)) (i32.const 2)))
    (local.set $i (i32.const 0))
    (block $cDone (loop $cRows (br_if $cDone (i32.ge_u (local.get $i) (local.get $M)))
      (local.set $ar (i32.add (local.get $a) (i32.shl (i32.mul (local.get $i) (local.get $K)) (i32.const 2))))
      (local.set $k (i32.const 0))
      (block $kDone (loop $ks (br_if $kDone (i32.ge_u (local.get $k) (local.get $K)))
        (if (f32.ne (f32.load (i32.add (local.get $ar) (i32.shl (local.get $k) (i32.const 2)))) (f32.const 0)) (then
          (local.set $slot (i32.add (local.get $starts) (i32.shl (i32.add (local.get $k) (i32.const 1)) (i32.const 2))))
          (i32.store (local.get $slot) (i32.add (i32.load (local.get $slot)) (i32.const 1)))))
        (local.set $k (i32.add (local.get $k) (i32.const 1))) (br $ks)))
      (local.set $i (i32.add (local.get $i) (i32.const 1))) (br $cRows)))
    ;; prefix sums: starts[k] = where column k's group begins (used as its fill cursor below)
    ${PREFIX_STARTS}))
  (local.set $i (i32.const 0))
  (block $done (loop $rows (br_if $done (i32.ge_u (local.get $i) (local.get $M)))
    (if (i32.eqz (local.get $byColumn)) (then (i32.store (i32.add (local.get $starts) (i32.shl (local.get $i) (i32.const 2))) (local.get $n))))
    (local.set $ar (i32.add (local.get $a) (i32.shl (i32.mul (local.get $i) (local.get $K)) (i32.const 2))))
    (local.set $k (i32.const 0))
    (block $kDone (loop $ks (br_if $kDone (i32.ge_u (local.get $k) (local.get $K)))
      ;; four zeros (of either sign) at a time are skipped with one test; the tail (k ≥ K4) is read lane by lane (a 16-byte
      ;; load there could run past the tensor)
      (if (if (result i32) (i32.ge_u (local.get $k) (local.get $K4)) (then (i32.const 1))
          (else (v128.any_true (v128.and (v128.load (i32.add (local.get $ar) (i32.shl (local.get $k) (i32.const 2))))
            (v128.const i32x4 0x7fffffff 0x7fffffff 0x7fffffff 0x7fffffff))))) (then
        (local.set $q (local.get $k))
        (loop $lane
          (local.set $v (f32.load (i32.add (local.get $ar) (i32.shl (local.get $q) (i32.const 2)))))
          (if (f32.ne (local.get $v) (f32.const 0)) (then
            ;; by column the entry goes to column q's cursor and holds the row; by row, next in order with q
            (if (local.get $byColumn)
              (then
                (local.set $slot (i32.add (local.get $starts) (i32.shl (local.get $q) (i32.const 2))))
                (local.set $e (i32.add (local.get $list) (i32.shl (i32.load (local.get $slot)) (i32.const 3))))
                (i32.store (local.get $slot) (i32.add (i32.load (local.get $slot)) (i32.const 1)))
                (i32.store (local.get $e) (local.get $i)))
              (else
                (local.set $e (i32.add (local.get $list) (i32.shl (local.get $n) (i32.const 3))))
                (local.set $n (i32.add (local.get $n) (i32.const 1)))
                (i32.store (local.get $e) (local.get $q))))
            (f32.store offset=4 (local.get $e) (local.get $v))))
          (local.set $q (i32.add (local.get $q) (i32.const 1)))
          (br_if $lane (i32.and (i32.lt_u (local.get $q) (local.get $K)) (i32.lt_u (local.get $q) (i32.add (local.get $k) (i32.const 4))))))))
      (local.set $k (i32.add (local.get $k) (i32.const 4))) (br $ks)))
    (local.set $i (i32.add (local.get $i) (i32.const 1))) (br $rows)))
  (if (local.get $byColumn)
    (then
      ;; the cursors now hold each group's end: shift them up one slot so starts[k] is its beginning again
      ${SHIFT_STARTS})
    (else (i32.store (i32.add (local.get $starts) (i32.shl (local.get $M) (i32.const 2))) (local.get $n)))))
;; the by-column lists of A from its by-row lists (rowList, rowStarts over M rows): a counting sort on the column,
;; rows ascending within a column, so the same lists sparseCompress(byColumn) writes, in O(nonzeros + K)
(func (export "sparseRegroup") (param $rowList i32) (param $rowStarts i32) (param $M i32) (param $K i32) (param $list i32) (param $starts i32)
  (local $i i32) (local $e i32) (local $e1 i32) (local $k i32) (local $slot i32) (local $dst i32)
  (memory.fill (local.get $starts) (i32.const 0) (i32.shl (i32.add (local.get $K) (i32.const 1)) (i32.const 2)))
  (local.set $e (local.get $rowList))
  (local.set $e1 (i32.add (local.get $rowList) (i32.shl (i32.load (i32.add (local.get $rowStarts) (i32.shl (local.get $M) (i32.const 2)))) (i32.const 3))))
  (block $cDone (loop $cs (br_if $cDone (i32.ge_u (local.get $e) (local.get $e1)))
    (local.set $slot (i32.add (local.get $starts) (i32.shl (i32.add (i32.load (local.get $e)) (i32.const 1)) (i32.const 2))))
    (i32.store (local.get $slot) (i32.add (i32.load (local.get $slot)) (i32.const 1)))
    (local.set $e (i32.add (local.get $e) (i32.const 8))) (br $cs)))
  ${PREFIX_STARTS}
  (block $rDone (loop $rs (br_if $rDone (i32.ge_u (local.get $i) (local.get $M)))
    (local.set $e (i32.add (local.get $rowList) (i32.shl (i32.load (i32.add (local.get $rowStarts) (i32.shl (local.get $i) (i32.const 2)))) (i32.const 3))))
    (local.set $e1 (i32.add (local.get $rowList) (i32.shl (i32.load (i32.add (local.get $rowStarts) (i32.shl (i32.add (local.get $i) (i32.const 1)) (i32.const 2)))) (i32.const 3))))
    (block $eDone (loop $es (br_if $eDone (i32.ge_u (local.get $e) (local.get $e1)))
      (local.set $slot (i32.add (local.get $starts) (i32.shl (i32.load (local.get $e)) (i32.const 2))))
      (local.set $dst (i32.add (local.get $list) (i32.shl (i32.load (local.get $slot)) (i32.const 3))))
      (i32.store (local.get $slot) (i32.add (i32.load (local.get $slot)) (i32.const 1)))
      (i32.store (local.get $dst) (local.get $i))
      (f32.store offset=4 (local.get $dst) (f32.load offset=4 (local.get $e)))
      (local.set $e (i32.add (local.get $e) (i32.const 8))) (br $es)))
    (local.set $i (i32.add (local.get $i) (i32.const 1))) (br $rs)))
  ;; the cursors hold each group's end: shift them up one slot
  ${SHIFT_STARTS})
(func (export "sparseProduct") (param $list i32) (param $starts i32) (param $R i32) (param $b i32) (param $c i32) (param $N i32)
  (param $bias i32) (param $biasStride i32) (param $act i32) (param $alpha f32)
  (local $r i32) (local $e i32) (local $e0 i32) (local $e1 i32) (local $p i32) (local $cr i32) (local $jb i32) (local $rowBytes i32) (local $brow i32)
  (local $t v128) (local $AL v128) (local $j i32) (local $x f32)
  ${Array.from({ length: 8 }, (_, v) => `(local $s${v} v128)`).join(' ')}
  (local.set $rowBytes (i32.shl (local.get $N) (i32.const 2)))
  (local.set $AL (f32x4.splat (local.get $alpha)))
  (block $done (loop $rows (br_if $done (i32.ge_u (local.get $r) (local.get $R)))
    (local.set $e0 (i32.add (local.get $list) (i32.shl (i32.load (i32.add (local.get $starts) (i32.shl (local.get $r) (i32.const 2)))) (i32.const 3))))
    (local.set $e1 (i32.add (local.get $list) (i32.shl (i32.load offset=4 (i32.add (local.get $starts) (i32.shl (local.get $r) (i32.const 2)))) (i32.const 3))))
    (local.set $cr (i32.add (local.get $c) (i32.mul (local.get $r) (local.get $rowBytes))))
    (local.set $brow (i32.add (local.get $bias) (i32.mul (local.get $r) (local.get $biasStride))))
    (local.set $jb (i32.const 0))
    (block $d32 (loop $l32 (br_if $d32 (i32.gt_u (i32.add (local.get $jb) (i32.const 128)) (local.get $rowBytes)))
      ${sparseStrip(8)}
      (local.set $jb (i32.add (local.get $jb) (i32.const 128))) (br $l32)))
    (block $d4 (loop $l4 (br_if $d4 (i32.gt_u (i32.add (local.get $jb) (i32.const 16)) (local.get $rowBytes)))
      ${sparseStrip(1)}
      (local.set $jb (i32.add (local.get $jb) (i32.const 16))) (br $l4)))
    ;; the last N mod 4 columns one at a time
    (block $d1 (loop $l1 (br_if $d1 (i32.ge_u (local.get $jb) (local.get $rowBytes)))
      (local.set $x (select (f32.load (i32.add (local.get $brow) (local.get $jb))) (f32.const 0) (local.get $bias)))
      (local.set $e (local.get $e0))
      (block $eDone (loop $es (br_if $eDone (i32.ge_u (local.get $e) (local.get $e1)))
        (local.set $x (f32.add (local.get $x) (f32.mul (f32.load offset=4 (local.get $e))
          (f32.load (i32.add (local.get $b) (i32.add (i32.mul (i32.load (local.get $e)) (local.get $rowBytes)) (local.get $jb)))))))
        (local.set $e (i32.add (local.get $e) (i32.const 8))) (br $es)))
      (if (i32.and (i32.ne (local.get $act) (i32.const 0)) (f32.lt (local.get $x) (f32.const 0))) (then
        (local.set $x (select (f32.const 0) (f32.mul (local.get $x) (local.get $alpha)) (i32.eq (local.get $act) (i32.const 1))))))
      (f32.store (i32.add (local.get $cr) (local.get $jb)) ${ftzLocal('$x')})
      (local.set $jb (i32.add (local.get $jb) (i32.const 4))) (br $l1)))
    (local.set $r (i32.add (local.get $r) (i32.const 1))) (br $rows))))`;

export function gemmWat(opts: GemmWatOptions = {}): string {
  const mr = opts.rows ?? 4;
  const kc = opts.kChunk ?? 256;
  const kernels: string[] = [];
  for (const nv of [2, 1]) for (let r = 1; r <= mr; r++) kernels.push(kernel(r, nv));
  const driver = `(func (export "gemm") (param $a i32) (param $b i32) (param $c i32) (param $M i32) (param $N i32) (param $K i32)
  (param $sai i32) (param $sak i32) (param $bias i32) (param $act i32) (param $alpha f32)
  (local $j i32) (local $i i32) (local $N4 i32) (local $rem i32) (local $bj i32) (local $biasj i32) (local $ap i32) (local $cp i32)
  (local $k0 i32) (local $kn i32) (local $bk i32) (local $biasc i32) (local $actc i32)
  (local.set $N4 (i32.shl (local.get $N) (i32.const 2)))
  (block $d8 (loop $l8
    (br_if $d8 (i32.gt_u (i32.add (local.get $j) (i32.const 8)) (local.get $N)))
    ${strip(mr, 2, kc)}
    (local.set $j (i32.add (local.get $j) (i32.const 8))) (br $l8)))
  (if (i32.le_u (i32.add (local.get $j) (i32.const 4)) (local.get $N)) (then
    ${strip(mr, 1, kc)}
    (local.set $j (i32.add (local.get $j) (i32.const 4)))))
  (if (i32.and (i32.lt_u (local.get $j) (local.get $N)) (i32.ge_u (local.get $N) (i32.const 4))) (then
    (local.set $j (i32.sub (local.get $N) (i32.const 4)))
    ${strip(mr, 1, kc)}
    (local.set $j (local.get $N))))
  (block $d1 (loop $l1
    (br_if $d1 (i32.ge_u (local.get $j) (local.get $N)))
    (local.set $bj (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2))))
    (local.set $biasj (select (i32.add (local.get $bias) (i32.shl (local.get $j) (i32.const 2))) (i32.const 0) (local.get $bias)))
    (local.set $i (i32.const 0)) (local.set $ap (local.get $a))
    (local.set $cp (i32.add (local.get $c) (i32.shl (local.get $j) (i32.const 2))))
    (block $id (loop $il (br_if $id (i32.ge_u (local.get $i) (local.get $M)))
      (call $k1x1 (local.get $ap) (local.get $bj) (local.get $cp) (local.get $N4) (local.get $K) (local.get $sak)
        (local.get $biasj) (local.get $act) (local.get $alpha))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (local.set $ap (i32.add (local.get $ap) (local.get $sai)))
      (local.set $cp (i32.add (local.get $cp) (local.get $N4)))
      (br $il)))
    (local.set $j (i32.add (local.get $j) (i32.const 1))) (br $l1))))`;
  const memory = opts.shared ? '(memory 1 16384 shared)' : '(memory 1)';
  return `(module\n(import "env" "memory" ${memory})\n(import "Math" "log" (func $log (param f64) (result f64)))\n${kernels.join('\n')}\n${SCALAR}\n${TRANSPOSE}\n${ADAM}\n${SPAN_MAX}\n${ACTIVATION_GRAD}\n${TVAE_RECON}\n${FLUSH}\n${RANDOM}\n${SPARSE}\n${SIMD_MATH}\n${SPAN_ACTIVATION}\n${LATENT}\n${COPY_COLUMNS}\n${BATCH_NORM}\n${driver}\n)\n`;
}
