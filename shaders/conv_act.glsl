// The epilogue of FusedConv (com.microsoft): y = act(conv + bias + z).
// ACT: 0 none, 1 Relu, 2 Tanh, 3 Sigmoid, 4 LeakyRelu (alpha), 5 Clip
// (alpha = min, beta = max), 6 HardSigmoid (alpha, beta).
float conv_activate(float v, uint act, float alpha, float beta)
{
    switch (act) {
    case 1: return max(v, 0.0);
    case 2: return tanh(clamp(v, -15.0, 15.0));
    case 3: return 1.0 / (1.0 + exp(-v));
    case 4: return v >= 0.0 ? v : alpha * v;
    case 5: return clamp(v, alpha, beta);
    case 6: return clamp(alpha * v + beta, 0.0, 1.0);
    default: return v;
    }
}
