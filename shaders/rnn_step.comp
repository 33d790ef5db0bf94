#version 450
// One time step of RNN / LSTM / GRU for every direction, batch row and hidden
// unit: the recurrent projection H[t-1] * R^T plus the gate math, on top of
// the input projection (rnn_gates) computed for all steps up front. Both
// directions of a bidirectional layer run in the same dispatch: step s is
// time s forward and time len-1-s in reverse.
//
// An invocation computes one hidden unit for up to four batch rows (ROWS),
// so each weight it loads serves them all; workgroups are [hidden units] x
// [direction, batch tile]. R rows and H are read as vec4s: the
// kernel keeps H in buffers whose rows are padded to Hp (a multiple of 4,
// zeros beyond H) and pads R's rows the same way. H ping-pongs between two
// such buffers (every unit reads all of H[t-1]); C, which a unit reads only
// at its own position, is updated in place in the unpadded state layout.
// Rows past their sequence length keep their state and write zeros to Y.
#include "common.glsl"

layout(local_size_x = 64) in;

// 0 RNN, 1 LSTM, 2 GRU (linear_before_reset), 3 GRU reset phase (z into
// cout, r * H[t-1] into hout), 4 GRU hidden phase (dot products over hin =
// the reset phase's r * H[t-1], z from cin, H[t-1] from hprev).
layout(constant_id = 0) const uint CELL = 0;
// Activation codes, [direction][f, g, h] (see act()).
layout(constant_id = 1) const uint ACT0 = 0;
layout(constant_id = 2) const uint ACT1 = 1;
layout(constant_id = 3) const uint ACT2 = 1;
layout(constant_id = 4) const uint ACT3 = 0;
layout(constant_id = 5) const uint ACT4 = 1;
layout(constant_id = 6) const uint ACT5 = 1;
// Batch rows per invocation (1, 2 or 4): each loaded weight serves them all.
layout(constant_id = 7) const uint ROWS = 4;

layout(std430, binding = 1) readonly buffer XWb { float xw[]; };
layout(std430, binding = 2) readonly buffer Rb { vec4 rv[]; };
layout(std430, binding = 3) readonly buffer Hin { vec4 hin[]; };
layout(std430, binding = 4) writeonly buffer Hout { float hout[]; };
layout(std430, binding = 5) readonly buffer Cin { float cin_[]; };
layout(std430, binding = 6) writeonly buffer Cout { float cout_[]; };
layout(std430, binding = 7) writeonly buffer Yb { float y[]; };
layout(std430, binding = 8) readonly buffer Lens { int lens[]; };
layout(std430, binding = 9) readonly buffer Extra { float extra[]; };
layout(std430, binding = 10) writeonly buffer Hfinal { float hfinal[]; };
layout(std430, binding = 11) readonly buffer Hprev { float hprev[]; };

// p: 0 H, 1 B, 2 directions, 3 seq, 4 step, 5 has lens, 6 flags, 7 clip,
// 8 reverse mask (bit d), 9/10 state strides (direction, batch), 11/12/13 Y
// strides (time, direction, batch), 14 N (gates*H), 15..26 alpha/beta pairs
// [direction][f, g, h], 27 Hp, 28/29 padded state strides.
const uint F_HZERO = 1u, F_CZERO = 2u, F_Y = 4u, F_PEEP = 8u, F_COUPLE = 16u, F_BIAS = 32u, F_LAST = 64u;

// Gates whose recurrent dot products a cell needs, from gate G0 on.
const uint NG = CELL == 0 ? 1 : CELL == 1 ? 4 : CELL == 2 ? 3 : CELL == 3 ? 2 : 1;
const uint G0 = CELL == 4 ? 2 : 0;

float act(uint code, float x, uint slot)
{
    float alpha = pf(15 + slot * 2), beta = pf(16 + slot * 2);
    switch (code) {
    case 0:
        return 1.0 / (1.0 + exp(-x));
    case 1:
        // Beyond +-10 tanh is +-1 in fp32; clamping keeps exp in range.
        return tanh(clamp(x, -10.0, 10.0));
    case 2:
        return max(x, 0.0);
    case 3:
        return alpha * x + beta;
    case 4:
        return x >= 0.0 ? x : alpha * x;
    case 5:
        return x > alpha ? x : 0.0;
    case 6:
        return alpha * tanh(clamp(beta * x, -10.0, 10.0));
    case 7:
        return clamp(alpha * x + beta, 0.0, 1.0);
    case 8:
        return x >= 0.0 ? x : alpha * (exp(x) - 1.0);
    case 9:
        return x / (1.0 + abs(x));
    default:
        return x > 20.0 ? x : log(1.0 + exp(x));
    }
}

float actOf(uint d, uint which, float x)
{
    uint code = which == 0 ? (d == 0 ? ACT0 : ACT3) : which == 1 ? (d == 0 ? ACT1 : ACT4) : (d == 0 ? ACT2 : ACT5);
    return act(code, x, d * 3 + which);
}

float clipped(float x)
{
    float c = pf(7);
    return clamp(x, -c, c);
}

// The gate math of one batch row; `rec` holds the recurrent dot products
// of gates G0.. for this row.
void cellRow(uint d, uint b, uint j, vec4 rec)
{
    uint H = p[0], B = p[1], seq = p[3], s = p[4], flags = p[6], N = p[14];
    uint len = seq;
    if (p[5] != 0)
        len = uint(clamp(lens[b], 0, int(seq)));
    bool valid = s < len;
    bool reverse = ((p[8] >> d) & 1u) != 0;
    uint t = reverse ? len - 1 - s : s;
    uint st = d * p[9] + b * p[10] + j;
    uint stp = d * p[28] + b * p[29] + j;
    uint yAt = d * p[12] + b * p[13] + j;
    bool hZero = (flags & F_HZERO) != 0;
    bool last = (flags & F_LAST) != 0;
    float hPrev = 0.0;
    if (!hZero)
        hPrev = CELL == 4 ? hprev[stp] : hin[stp >> 2][stp & 3];
    uint xo = ((d * seq + t) * B + b) * N + j;

    if (CELL == 3) {
        if (!valid)
            return;
        float z = actOf(d, 0, clipped(xw[xo] + rec.x));
        float r = actOf(d, 0, clipped(xw[xo + H] + rec.y));
        cout_[stp] = z;
        hout[stp] = r * hPrev;
        return;
    }

    if (!valid) {
        hout[stp] = hPrev;
        if (CELL == 1)
            cout_[st] = (flags & F_CZERO) != 0 ? 0.0 : cin_[st];
        if ((flags & F_Y) != 0)
            y[s * p[11] + yAt] = 0.0;
        if (last)
            hfinal[st] = hPrev;
        return;
    }

    float h;
    if (CELL == 0) {
        h = actOf(d, 0, clipped(xw[xo] + rec.x));
    } else if (CELL == 1) {
        // Gate order i, o, f, c; peepholes i, o, f.
        vec4 a = vec4(xw[xo], xw[xo + H], xw[xo + 2 * H], xw[xo + 3 * H]) + rec;
        float cPrev = (flags & F_CZERO) != 0 ? 0.0 : cin_[st];
        float pi = 0.0, po = 0.0, pfo = 0.0;
        if ((flags & F_PEEP) != 0) {
            uint po0 = d * 3 * H + j;
            pi = extra[po0];
            po = extra[po0 + H];
            pfo = extra[po0 + 2 * H];
        }
        float gi = actOf(d, 0, clipped(a.x + pi * cPrev));
        float gf = (flags & F_COUPLE) != 0 ? 1.0 - gi : actOf(d, 0, clipped(a.z + pfo * cPrev));
        float gc = actOf(d, 1, clipped(a.w));
        float c = gf * cPrev + gi * gc;
        float go = actOf(d, 0, clipped(a.y + po * c));
        h = go * actOf(d, 2, c);
        cout_[st] = c;
    } else if (CELL == 2) {
        // Gate order z, r, h; the h gate's recurrence (with its bias) is
        // scaled by r.
        float rh = rec.z + ((flags & F_BIAS) != 0 ? extra[d * 6 * H + 5 * H + j] : 0.0);
        float z = actOf(d, 0, clipped(xw[xo] + rec.x));
        float r = actOf(d, 0, clipped(xw[xo + H] + rec.y));
        float hh = actOf(d, 1, clipped(xw[xo + 2 * H] + r * rh));
        h = (1.0 - z) * hh + z * hPrev;
    } else {
        float z = cin_[stp];
        float hh = actOf(d, 1, clipped(xw[xo + 2 * H] + rec.x));
        h = (1.0 - z) * hh + z * hPrev;
    }
    hout[stp] = h;
    if ((flags & F_Y) != 0)
        y[t * p[11] + yAt] = h;
    if (last)
        hfinal[st] = h;
}

void main()
{
    uint H = p[0], B = p[1], N = p[14], K4 = p[27] / 4;
    uint bTiles = (B + ROWS - 1) / ROWS;
    // The workgroup's direction and batch rows come from its Y index, so
    // the loads of H[t-1] below have the same address in every lane (one
    // fetch for all of them on CPU implementations); lanes past H compute
    // on a clamped unit and write nothing, keeping the loop uniform.
    uint d = gl_WorkGroupID.y / bTiles;
    uint bt = gl_WorkGroupID.y % bTiles;
    uint j = min(gl_GlobalInvocationID.x, H - 1);

    // a[g][i]: gate G0 + g, batch row bt*ROWS + i.
    vec4 a[4] = vec4[4](vec4(0.0), vec4(0.0), vec4(0.0), vec4(0.0));
    if ((p[6] & F_HZERO) == 0) {
        uint hb[4];
        for (uint i = 0; i < ROWS; ++i)
            hb[i] = (d * p[28] + min(bt * ROWS + i, B - 1) * p[29]) / 4;
        uint row = (d * N + G0 * H + j) * K4;
        uint gate = H * K4;
        for (uint k = 0; k < K4; ++k) {
            vec4 h[4];
            for (uint i = 0; i < ROWS; ++i)
                h[i] = hin[hb[i] + k];
            for (uint g = 0; g < NG; ++g) {
                vec4 w = rv[row + g * gate + k];
                for (uint i = 0; i < ROWS; ++i)
                    a[g][i] += dot(h[i], w);
            }
        }
    }
    if (gl_GlobalInvocationID.x >= H)
        return;
    for (uint i = 0; i < ROWS; ++i) {
        uint b = bt * ROWS + i;
        if (b >= B)
            break;
        cellRow(d, b, j, vec4(a[0][i], a[1][i], a[2][i], a[3][i]));
    }
}
