#version 450
// One time step of RNN / LSTM / GRU for every direction, batch row and hidden
// unit (one invocation each): the recurrent projection H[t-1] * R^T plus the
// gate math, on top of the input projection (rnn_gates) computed for all
// steps up front. Both directions of a bidirectional layer run in the same
// dispatch: step s is time s forward and time len-1-s in reverse.
//
// R comes transposed ([d][k][n]) so neighbouring hidden units load
// neighbouring weights. H ping-pongs between two buffers (every unit reads
// all of H[t-1]); C is updated in place (a unit reads only its own cell).
// Rows past their sequence length keep their state and write zeros to Y.
#include "common.glsl"

layout(local_size_x = 64) in;

// 0 RNN, 1 LSTM, 2 GRU (linear_before_reset), 3 GRU reset phase (z and
// r*H[t-1] into aux), 4 GRU hidden phase (from aux).
layout(constant_id = 0) const uint CELL = 0;
// Activation codes, [direction][f, g, h] (see act()).
layout(constant_id = 1) const uint ACT0 = 0;
layout(constant_id = 2) const uint ACT1 = 1;
layout(constant_id = 3) const uint ACT2 = 1;
layout(constant_id = 4) const uint ACT3 = 0;
layout(constant_id = 5) const uint ACT4 = 1;
layout(constant_id = 6) const uint ACT5 = 1;

layout(std430, binding = 1) readonly buffer XWb { float xw[]; };
layout(std430, binding = 2) readonly buffer RTb { float rt[]; };
layout(std430, binding = 3) readonly buffer Hin { float hin[]; };
layout(std430, binding = 4) writeonly buffer Hout { float hout[]; };
layout(std430, binding = 5) readonly buffer Cin { float cin_[]; };
layout(std430, binding = 6) writeonly buffer Cout { float cout_[]; };
layout(std430, binding = 7) writeonly buffer Yb { float y[]; };
layout(std430, binding = 8) readonly buffer Lens { int lens[]; };
layout(std430, binding = 9) readonly buffer Extra { float extra[]; };

// p: 0 H, 1 B, 2 directions, 3 seq, 4 step, 5 has lens, 6 flags, 7 clip,
// 8 reverse mask (bit d), 9/10 state strides (direction, batch), 11/12/13 Y
// strides (time, direction, batch), 14 N (gates*H), 15.. alpha/beta pairs
// [direction][f, g, h].
const uint F_HZERO = 1u, F_CZERO = 2u, F_Y = 4u, F_PEEP = 8u, F_COUPLE = 16u, F_BIAS = 32u;

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
    uint slot = d * 3 + which;
    uint code = which == 0 ? (d == 0 ? ACT0 : ACT3) : which == 1 ? (d == 0 ? ACT1 : ACT4) : (d == 0 ? ACT2 : ACT5);
    return act(code, x, slot);
}

float clipped(float x)
{
    float c = pf(7);
    return clamp(x, -c, c);
}

void main()
{
    uint idx = nodus_index();
    uint H = p[0], B = p[1], seq = p[3], s = p[4], flags = p[6], N = p[14];
    if (idx >= p[2] * B * H)
        return;
    uint j = idx % H;
    uint b = (idx / H) % B;
    uint d = idx / (H * B);

    uint len = seq;
    if (p[5] != 0)
        len = uint(clamp(lens[b], 0, int(seq)));
    bool valid = s < len;
    bool reverse = ((p[8] >> d) & 1u) != 0;
    uint t = reverse ? len - 1 - s : s;
    uint st = d * p[9] + b * p[10];
    uint yAt = d * p[12] + b * p[13] + j;
    bool hZero = (flags & F_HZERO) != 0;
    float hPrev = hZero ? 0.0 : hin[st + j];

    if (CELL == 3) {
        // GRU reset phase: aux holds z, then r * H[t-1] after nd*B*H words.
        if (!valid)
            return;
        uint xo = ((d * seq + t) * B + b) * N;
        float az = xw[xo + j], ar = xw[xo + H + j];
        if (!hZero) {
            uint ro = d * H * N + j;
            for (uint k = 0; k < H; ++k) {
                float hk = hin[st + k];
                az += hk * rt[ro + k * N];
                ar += hk * rt[ro + k * N + H];
            }
        }
        float z = actOf(d, 0, clipped(az));
        float r = actOf(d, 0, clipped(ar));
        cout_[st + j] = z;
        cout_[p[2] * B * H + st + j] = r * hPrev;
        return;
    }

    if (!valid) {
        hout[st + j] = hPrev;
        if (CELL == 1)
            cout_[st + j] = (flags & F_CZERO) != 0 ? 0.0 : cin_[st + j];
        if ((flags & F_Y) != 0)
            y[s * p[11] + yAt] = 0.0;
        return;
    }

    uint xo = ((d * seq + t) * B + b) * N;
    uint ro = d * H * N + j;
    float h;
    if (CELL == 0) {
        float a = xw[xo + j];
        if (!hZero)
            for (uint k = 0; k < H; ++k)
                a += hin[st + k] * rt[ro + k * N];
        h = actOf(d, 0, clipped(a));
    } else if (CELL == 1) {
        // Gate order i, o, f, c; peepholes i, o, f.
        vec4 a = vec4(xw[xo + j], xw[xo + H + j], xw[xo + 2 * H + j], xw[xo + 3 * H + j]);
        if (!hZero)
            for (uint k = 0; k < H; ++k) {
                uint r = ro + k * N;
                a += hin[st + k] * vec4(rt[r], rt[r + H], rt[r + 2 * H], rt[r + 3 * H]);
            }
        float cPrev = (flags & F_CZERO) != 0 ? 0.0 : cin_[st + j];
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
        cout_[st + j] = c;
    } else if (CELL == 2) {
        // Gate order z, r, h; the h gate's recurrence (with its bias) is
        // scaled by r.
        vec3 a = vec3(xw[xo + j], xw[xo + H + j], xw[xo + 2 * H + j]);
        float rh = (flags & F_BIAS) != 0 ? extra[d * 6 * H + 5 * H + j] : 0.0;
        if (!hZero)
            for (uint k = 0; k < H; ++k) {
                uint r = ro + k * N;
                float hk = hin[st + k];
                a.xy += hk * vec2(rt[r], rt[r + H]);
                rh += hk * rt[r + 2 * H];
            }
        float z = actOf(d, 0, clipped(a.x));
        float r = actOf(d, 0, clipped(a.y));
        float hh = actOf(d, 1, clipped(a.z + r * rh));
        h = (1.0 - z) * hh + z * hPrev;
    } else {
        // GRU hidden phase: (r * H[t-1]) * Rh^T from the reset phase's aux.
        uint rhAt = p[2] * B * H + st;
        float a = xw[xo + 2 * H + j];
        for (uint k = 0; k < H; ++k)
            a += cin_[rhAt + k] * rt[ro + k * N + 2 * H];
        float z = cin_[st + j];
        float hh = actOf(d, 1, clipped(a));
        h = (1.0 - z) * hh + z * hPrev;
    }
    hout[st + j] = h;
    if ((flags & F_Y) != 0)
        y[t * p[11] + yAt] = h;
}
